import Foundation
import TestSupport
import XCTest

/// An `api` process over a counts database made with sqlite3, for the API's tests.
struct APIServer {
    let process: ChildProcess
    let port: Int
    let database: String

    /// Writes a counts database with these counts (none: no file), and starts the api on it.
    init(counts: [String: Int]?, prefix: String = "api") throws {
        let database = try TestEnvironment.temporaryDirectory(prefix).appendingPathComponent("foodcount.db").path
        if let counts { try Self.write(counts, to: database) }
        try self.init(existingDatabase: database)
    }

    /// Starts the api on a database that exists (a consumer's).
    init(existingDatabase database: String) throws {
        self.database = database
        port = try EmbeddedBroker.freePort()
        process = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(port)", "--host", "127.0.0.1"],
            environment: ["DATABASE_PATH": database])
        let port = self.port
        guard eventually(timeout: 20, { EmbeddedBroker.isListening(port: port) }) else {
            throw TestFailure("the api did not start: \(process.output)")
        }
    }

    /// The URL of a path.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Adds to the counts, as a consumer's commit does.
    func add(_ counts: [String: Int]) throws {
        let values = counts.map { "('\($0.key)', \($0.value))" }.joined(separator: ", ")
        _ = try SQLiteInspector.query(
            database,
            "INSERT INTO food_counts VALUES \(values) ON CONFLICT (category) DO UPDATE SET count = count + excluded.count"
        )
    }

    static func write(_ counts: [String: Int], to database: String) throws {
        var sql = "CREATE TABLE food_counts (category TEXT NOT NULL PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0);"
        if !counts.isEmpty {
            sql +=
                "INSERT INTO food_counts VALUES " + counts.map { "('\($0.key)', \($0.value))" }.joined(separator: ", ")
        }
        _ = try SQLiteInspector.query(database, sql)
    }

    func stop() { process.signal(SIGTERM) }
}
