import FoodCountCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Reads the counts table for the API: never writes a count, yet keeps answering after any writer dies.
///
/// - A consumer killed mid-commit leaves a *hot journal*, which a read-only connection cannot roll back
///   (`SQLITE_READONLY_ROLLBACK` until some writer opens the file). So the reader opens the file
///   read-write with `PRAGMA query_only=ON`: it rolls a hot journal back itself, and can write nothing else.
///   It never creates a missing file.
/// - A connection keeps reading the file it opened. Before each read the reader checks that the path
///   still names that file, and reopens when it was replaced (by rename, or deleted and created again).
/// - It keeps no connection to a file in WAL mode, which SQLite could not convert back while one is open.
/// - Rows whose categories are canonically equal (``CategoryForm``; an older FoodCount could write both
///   spellings) are summed under the canonical one, never dropped.
///
/// The connection opens lazily and reopens after a failure, so the API keeps serving (errors) while the
/// database is missing, locked or corrupt, and recovers when it is back.
public final class SQLiteCountReader: CountReader {
    private let file: DatabaseFile
    private let busyTimeout: Duration
    private let connection = Mutex<Connection?>(nil)
    /// Tells this process's versions apart from another's: a restarted API starts its connections over.
    private let processTag = UUID().uuidString.prefix(8).lowercased()
    private let opened = Mutex(0)

    /// The open connection, the file it reads, and its number in this process.
    private struct Connection {
        var queue: DatabaseQueue
        var identity: DatabaseFile.Identity
        var serial: Int
    }

    /// Creates a reader.
    /// - Parameters:
    ///   - databasePath: The API's database file.
    ///   - busyTimeout: How long a read waits for a writer's commit.
    public init(databasePath: String, busyTimeout: Duration = .seconds(2)) {
        self.file = DatabaseFile(path: databasePath)
        self.busyTimeout = busyTimeout
    }

    /// Implements `CountReader.counts`.
    public func counts() async throws(StoreError) -> [String: Int64] {
        try await versionedCounts().counts
    }

    /// Implements `CountReader.versionedCounts`: the counts and their version, read in one transaction. The
    /// version is made of SQLite's `PRAGMA data_version`, which changes when another connection commits, and
    /// of the connection it was read on, which changes when the reader opens another file.
    public func versionedCounts() async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        try await reading("reading counts") { db in
            var counts: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: #"SELECT category, "count" FROM food_counts"#) {
                counts[CategoryForm.canonical(row[0]), default: 0] += row[1] as Int64
            }
            return counts
        }
    }

    /// Implements `CountReader.currentVersion`: `PRAGMA data_version` alone, without reading the table.
    public func currentVersion() async throws(StoreError) -> String? {
        try await reading("reading the counts' version") { _ in () }.version
    }

    /// Runs a read transaction that also reads the data version.
    func reading<Value: Sendable>(
        _ context: String, _ body: @escaping @Sendable (Database) throws -> Value
    ) async throws(StoreError) -> (counts: Value, version: String?) {
        let current = try await open()
        do {
            // The journal mode is asked of SQLite inside the read, not read from the file: closing a descriptor
            // of our own would drop the locks of a read running meanwhile on this connection.
            let (value, dataVersion, mode) = try await current.queue.read { db in
                (
                    try body(db), try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0,
                    try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased()
                )
            }
            if mode == "wal" { connection.withLock { $0 = nil } }
            return (value, "\(processTag)-\(current.serial)-\(dataVersion)")
        } catch {
            connection.withLock { $0 = nil }
            throw StoreError(from: error, context: context)
        }
    }

    private func open() async throws(StoreError) -> Connection {
        guard let identity = file.identity() else {
            connection.withLock { $0 = nil }
            throw StoreError(code: .unavailable, message: "database not found at \(file.path)")
        }
        if let existing = connection.withLock({ $0 }), existing.identity == identity { return existing }
        var options = GRDB.Configuration()
        options.label = "foodcount.reader"
        options.busyMode = .timeout(busyTimeout.timeInterval)
        options.prepareDatabase { db in try db.execute(sql: "PRAGMA query_only = ON") }
        let location = Self.existingFileLocation(file.path)
        // Opening touches the file system: keep it off the cooperative pool.
        let result: Result<DatabaseQueue, StoreError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [options, file] in
                do {
                    continuation.resume(returning: .success(try DatabaseQueue(path: location, configuration: options)))
                } catch {
                    continuation.resume(returning: .failure(StoreError(from: error, context: "opening \(file.path)")))
                }
            }
        }
        let serial = opened.withLock { count in
            count += 1
            return count
        }
        let opened = Connection(queue: try result.get(), identity: identity, serial: serial)
        connection.withLock { $0 = opened }
        return opened
    }

    /// What to open so that a file deleted meanwhile is not created again: a `mode=rw` URI where this SQLite
    /// takes URIs as filenames (Debian's does), else the plain path.
    static func existingFileLocation(_ path: String) -> String {
        guard sqlite3_compileoption_used("USE_URI") == 1 else { return path }
        var escaped = ""
        for character in path {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3F"
            case "#": escaped += "%23"
            default: escaped.append(character)
            }
        }
        return "file:\(escaped)?mode=rw"
    }
}
