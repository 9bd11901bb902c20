import Foundation

/// A tansu broker process on a free loopback port, for tests that need their own (to stop or hang it).
public final class EmbeddedBroker: @unchecked Sendable {
    /// `127.0.0.1:port`.
    public let address: String
    /// The port.
    public let port: Int
    private var process: ChildProcess
    private let logURL: URL

    private let advertisedPort: Int

    private init(port: Int, advertisedPort: Int, process: ChildProcess, logURL: URL) {
        self.port = port
        self.advertisedPort = advertisedPort
        self.address = "127.0.0.1:\(port)"
        self.process = process
        self.logURL = logURL
    }

    /// Starts a broker on a free port and waits until it accepts connections.
    /// - Parameter advertisedPort: The port the broker tells clients to connect to, when a proxy stands
    ///   in front of it (clients then stay on the proxy); by default its own.
    public static func start(advertisedPort: Int? = nil) throws -> EmbeddedBroker {
        let port = try freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tansu-\(port).log")
        let process = try launch(port: port, advertisedPort: advertisedPort ?? port, log: log)
        let broker = EmbeddedBroker(port: port, advertisedPort: advertisedPort ?? port, process: process, logURL: log)
        try broker.waitUntilListening()
        return broker
    }

    deinit { stop() }

    /// The process id, for signals.
    public var pid: Int32 { process.pid }

    /// Stops the broker (its in-memory log is lost).
    public func stop() {
        guard process.isRunning else { return }
        process.signal(SIGCONT)
        process.signal(SIGTERM)
        if process.wait(timeout: 5) == nil {
            process.signal(SIGKILL)
            _ = process.wait(timeout: 10)
        }
    }

    /// Starts a new, empty broker on the same port.
    public func restart() throws {
        stop()
        process = try Self.launch(port: port, advertisedPort: advertisedPort, log: logURL)
        try waitUntilListening()
    }

    /// Freezes the broker (SIGSTOP).
    public func pause() { process.signal(SIGSTOP) }

    /// Unfreezes the broker (SIGCONT).
    public func resume() { process.signal(SIGCONT) }

    private static func launch(port: Int, advertisedPort: Int, log: URL) throws -> ChildProcess {
        try ChildProcess(
            TestEnvironment.tansu,
            [
                "broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url",
                "tcp://127.0.0.1:\(advertisedPort)",
            ],
            logURL: log)
    }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if Self.isListening(port: port) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        throw TestFailure("tansu did not start on port \(port): \(log)")
    }

    /// Whether something accepts TCP connections on 127.0.0.1:port.
    public static func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A TCP port that was free a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw TestFailure("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
