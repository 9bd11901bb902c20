import Foundation

/// A child process for tests: the real executables, Python producers, sqlite3.
public final class ChildProcess: @unchecked Sendable {
    /// The result of a finished process.
    public struct Result {
        /// The exit status.
        public let status: Int32
        /// Standard output and standard error together.
        public let output: String
    }

    private let process = Process()
    /// Where its standard output and error go.
    public let logURL: URL

    /// Starts a process whose output goes to a log file.
    /// - Parameters:
    ///   - path: The executable.
    ///   - arguments: Its arguments.
    ///   - environment: Variables added to the test's own environment.
    public init(_ path: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws {
        logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("child-\((path as NSString).lastPathComponent)-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = wait(timeout: 10)
        }
    }

    /// Runs a process to completion.
    public static func run(
        _ path: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120
    ) throws -> Result {
        let child = try ChildProcess(path, arguments, environment: environment)
        guard let status = child.wait(timeout: timeout) else {
            child.signal(SIGKILL)
            throw TestFailure("\(path) \(arguments) did not finish in \(timeout) s: \(child.output)")
        }
        return Result(status: status, output: child.output)
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }
    /// Whether it is still running.
    public var isRunning: Bool { process.isRunning }

    /// Everything it printed so far.
    public var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Sends a signal.
    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the exit status, or returns `nil` after `timeout` seconds.
    public func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning else { return nil }
        return process.terminationStatus
    }
}
