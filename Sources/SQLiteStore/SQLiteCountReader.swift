import FoodCountCore
import Foundation
import GRDB
import Synchronization

/// Reads the counts table through a read-only connection, for the API.
///
/// The connection opens lazily and reopens after a failure, so the API keeps serving (errors) while the
/// database is missing, locked or corrupt, and recovers when it is back.
public final class SQLiteCountReader: CountReader {
    private let path: String
    private let busyTimeout: Duration
    private let queue = Mutex<DatabaseQueue?>(nil)

    /// Creates a reader.
    /// - Parameters:
    ///   - databasePath: The API's database file.
    ///   - busyTimeout: How long a read waits for a writer's commit.
    public init(databasePath: String, busyTimeout: Duration = .seconds(2)) {
        self.path = databasePath
        self.busyTimeout = busyTimeout
    }

    /// Implements `CountReader.counts`.
    public func counts() async throws(StoreError) -> [String: Int64] {
        let database = try await open()
        do {
            return try await database.read { db in
                var counts: [String: Int64] = [:]
                for row in try Row.fetchAll(db, sql: #"SELECT category, "count" FROM food_counts"#) {
                    counts[row[0]] = row[1]
                }
                return counts
            }
        } catch {
            queue.withLock { $0 = nil }
            throw StoreError(from: error, context: "reading counts")
        }
    }

    private func open() async throws(StoreError) -> DatabaseQueue {
        if let existing = queue.withLock({ $0 }) { return existing }
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(code: .unavailable, message: "database not found at \(path)")
        }
        var options = GRDB.Configuration()
        options.readonly = true
        options.label = "foodcount.reader"
        options.busyMode = .timeout(busyTimeout.timeInterval)
        let path = self.path
        // Opening touches the file system: keep it off the cooperative pool.
        let result: Result<DatabaseQueue, StoreError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [options] in
                do {
                    continuation.resume(returning: .success(try DatabaseQueue(path: path, configuration: options)))
                } catch {
                    continuation.resume(returning: .failure(StoreError(from: error, context: "opening \(path)")))
                }
            }
        }
        let database = try result.get()
        queue.withLock { $0 = database }
        return database
    }
}
