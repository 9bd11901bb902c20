import Foundation
import Synchronization

/// A child process for tests: the real executables, the embedded broker, Python producers, sqlite3.
///
/// Spawned with `posix_spawn` and reaped with `waitpid`: Foundation's `Process` crashed here once inside
/// `Process.run()` when called from an async test, and its monitoring thread is not needed.
public final class ChildProcess: Sendable {
    /// The result of a finished process.
    public struct Result {
        /// The exit status.
        public let status: Int32
        /// Standard output and standard error together.
        public let output: String
    }

    /// The result of a finished process whose standard output and standard error were kept apart.
    public struct SeparateResult {
        /// The exit status.
        public let status: Int32
        /// Standard output alone.
        public let standardOutput: String
        /// Standard error alone.
        public let standardError: String
    }

    /// The process id.
    public let pid: Int32
    /// Where its standard output and error go.
    public let logURL: URL
    /// The exit status once reaped: the exit code, or the signal number for a killed process.
    private let exitStatus = Mutex<Int32?>(nil)

    /// The environment of the test process, read once, with Swift's crash backtraces on: a program of ours
    /// that crashes in a test says where in its log.
    private static let baseEnvironment = ProcessInfo.processInfo.environment.merging([
        "SWIFT_BACKTRACE": "enable=yes,interactive=no,threads=all"
    ]) { current, _ in current }

    /// Starts a process whose output goes to a log file.
    /// - Parameters:
    ///   - path: The executable.
    ///   - arguments: Its arguments.
    ///   - environment: Variables added to the test's own environment.
    ///   - logURL: Where its output goes; a new temporary file by default.
    ///   - errorURL: Where its standard error goes, when not with its standard output into `logURL`.
    public init(
        _ path: String, _ arguments: [String] = [], environment: [String: String] = [:], logURL: URL? = nil,
        errorURL: URL? = nil
    ) throws {
        let log =
            logURL
            ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("child-\((path as NSString).lastPathComponent)-\(UUID().uuidString.prefix(8)).log")
        self.logURL = log
        let variables = Self.baseEnvironment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let errorURL {
            posix_spawn_file_actions_addopen(&actions, 2, errorURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // Default dispositions and an empty mask, whatever the test process ignores or blocks.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        var none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestFailure("cannot start \(path): \(String(cString: strerror(result)))") }
        pid = child
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
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
            _ = child.wait(timeout: 10)
            throw TestFailure("\(path) \(arguments) did not finish in \(timeout) s: \(child.output)")
        }
        return Result(status: status, output: child.output)
    }

    /// Runs a process to completion, keeping its standard output and standard error apart.
    public static func runSeparately(
        _ path: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120
    ) throws -> SeparateResult {
        let errorURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("child-\((path as NSString).lastPathComponent)-\(UUID().uuidString.prefix(8)).err")
        defer { try? FileManager.default.removeItem(at: errorURL) }
        let child = try ChildProcess(path, arguments, environment: environment, errorURL: errorURL)
        let standardError = { (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "" }
        guard let status = child.wait(timeout: timeout) else {
            child.signal(SIGKILL)
            _ = child.wait(timeout: 10)
            throw TestFailure("\(path) \(arguments) did not finish in \(timeout) s: \(child.output)\(standardError())")
        }
        return SeparateResult(status: status, standardOutput: child.output, standardError: standardError())
    }

    /// Whether it is still running.
    public var isRunning: Bool { reap() == nil }

    /// Everything it printed so far.
    public var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Sends a signal.
    public func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// Waits for the exit status, or returns `nil` after `timeout` seconds.
    public func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let status = reap() { return status }
            guard Date() < deadline else { return nil }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Collects the exit status without blocking, once.
    private func reap() -> Int32? {
        exitStatus.withLock { stored in
            if let stored { return stored }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            let signal = status & 0x7F
            stored = signal == 0 ? (status >> 8) & 0xFF : signal
            return stored
        }
    }
}
