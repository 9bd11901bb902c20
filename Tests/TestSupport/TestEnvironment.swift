import Foundation
import Synchronization

/// Where the test suite finds the embedded broker, the built executables and the Python client.
///
/// `scripts/test` sets `FOODCOUNT_TEST_BROKER`, `FOODCOUNT_TEST_POSTGRES`, `FOODCOUNT_TANSU`, `FOODCOUNT_BIN`
/// and `FOODCOUNT_PYTHON`. Without them (a bare `swift test`), the suite starts its own broker from `.venv`
/// and its own PostgreSQL server once per process.
public enum TestEnvironment {
    /// The package root.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    private static let environment = ProcessInfo.processInfo.environment

    /// The tansu binary.
    public static var tansu: String {
        environment["FOODCOUNT_TANSU"] ?? packageRoot.appendingPathComponent(".venv/bin/tansu").path
    }

    /// The Python with confluent-kafka installed.
    public static var python: String {
        environment["FOODCOUNT_PYTHON"] ?? packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// The folder holding the built `consumer`, `datafeed` and `api`.
    public static var binDirectory: String {
        environment["FOODCOUNT_BIN"] ?? packageRoot.appendingPathComponent(".build/debug").path
    }

    /// The path of a built executable.
    public static func executable(_ name: String) -> String {
        (binDirectory as NSString).appendingPathComponent(name)
    }

    /// The shared broker's `host:port`, starting one if the environment does not name one.
    public static var broker: String {
        get throws {
            if let broker = environment["FOODCOUNT_TEST_BROKER"] { return broker }
            return try SharedBroker.instance.get().address
        }
    }

    /// The URL of a PostgreSQL server's `postgres` database as its superuser, for tests that create databases
    /// of their own: `FOODCOUNT_TEST_POSTGRES` (set by `scripts/test`), or a server this process starts.
    public static var postgres: String {
        get throws {
            if let url = environment["FOODCOUNT_TEST_POSTGRES"] { return url }
            return try SharedPostgres.instance.get().url
        }
    }

    /// The certificate of the authority that signed that server's TLS certificate (for `sslrootcert`):
    /// `FOODCOUNT_TEST_POSTGRES_CA` (set by `scripts/test`), or the one of the server this process starts.
    public static var postgresCertificateAuthority: String {
        get throws {
            if environment["FOODCOUNT_TEST_POSTGRES"] != nil {
                guard let path = environment["FOODCOUNT_TEST_POSTGRES_CA"] else {
                    throw TestFailure("FOODCOUNT_TEST_POSTGRES is set without FOODCOUNT_TEST_POSTGRES_CA")
                }
                return path
            }
            return try SharedPostgres.instance.get().certificateAuthority
        }
    }

    /// A fresh, empty temporary folder.
    public static func temporaryDirectory(_ name: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("foodcount-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A topic name no other test uses.
    public static func uniqueTopic(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a topic on the shared broker.
    public static func createTopic(_ name: String, partitions: Int) throws {
        try createTopic(name, partitions: partitions, broker: broker)
    }

    /// Creates a topic on a given broker.
    public static func createTopic(_ name: String, partitions: Int, broker: String) throws {
        let result = try ChildProcess.run(
            tansu, ["topic", "create", name, "--partitions", "\(partitions)", "--broker", "tcp://\(broker)"])
        guard result.status == 0 else {
            throw TestFailure("creating topic \(name) failed (\(result.status)): \(result.output)")
        }
    }
}

/// A test precondition that did not hold.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One broker per test process when `scripts/test` did not provide one; stopped when the process exits.
enum SharedBroker {
    static let instance: Result<EmbeddedBroker, any Error> = Result {
        let broker = try EmbeddedBroker.start()
        sharedBrokerPID.store(broker.pid, ordering: .relaxed)
        atexit {
            let pid = sharedBrokerPID.load(ordering: .relaxed)
            if pid > 0 { kill(pid, SIGKILL) }
        }
        return broker
    }
}

private let sharedBrokerPID = Atomic<Int32>(0)
