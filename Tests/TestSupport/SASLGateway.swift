import Foundation

/// A SASL/SCRAM front for the embedded broker, for tests: `Tests/Fixtures/kafka_sasl_gateway.py` on a free
/// loopback port does the login itself (the server side of SCRAM-SHA-256 and -512) and then forwards the
/// connection to the broker. Tansu 0.6 cannot store SCRAM credentials (its storage engine's credential
/// functions are stubs), so SASL tests put this in front of it and start it with this port as its advertised
/// listener.
public final class SASLGateway: @unchecked Sendable {
    /// The port clients connect to.
    public let port: Int
    private let process: ChildProcess

    /// Starts the gateway on `port` in front of `127.0.0.1:target`, with one user known under both SCRAM
    /// mechanisms.
    public init(port: Int, forwardingTo target: Int, username: String, password: String) throws {
        let users = try TestEnvironment.temporaryDirectory("sasl").appendingPathComponent("users")
        try Data("SCRAM-SHA-512 \(username) \(password)\nSCRAM-SHA-256 \(username) \(password)\n".utf8).write(to: users)
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/kafka_sasl_gateway.py").path
        process = try ChildProcess(TestEnvironment.python, [script, "\(port)", "\(target)", users.path])
        self.port = port
        let deadline = Date().addingTimeInterval(10)
        while !process.output.contains("listening") {
            guard Date() < deadline, process.isRunning else {
                throw TestFailure("the gateway did not start: \(process.output)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit { process.signal(SIGKILL) }

    /// The logins so far, one line each: `login ok USER MECHANISM` or `login refused USER MECHANISM`.
    public var logins: [String] {
        process.output.split(separator: "\n").filter { $0.hasPrefix("login") }.map(String.init)
    }
}
