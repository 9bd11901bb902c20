import FoodCountCore
import Foundation
import GRDB

/// The counts database and the offsets file as a pair, for the operator commands: one consistent read of
/// both, a lock that keeps consumers away, and the atomic replacement of both by a rebuilt pair.
///
/// Every `SQLiteCountStore` holds a shared lock on the pair's lock file (`foodcount-consumer.db.lock`) while it
/// is open; ``lockExclusively()`` gets the lock only when no store has the files open, and keeps new ones
/// from opening them until it is released.
public struct SQLiteCountFiles: Sendable {
    /// One row of the offsets table.
    public typealias StoredOffset = CountsSnapshot.StoredOffset

    /// What both files held at one moment.
    public typealias Snapshot = CountsSnapshot

    /// The paths and group.
    public let configuration: SQLiteCountStore.Configuration

    /// Names a pair of files.
    public init(configuration: SQLiteCountStore.Configuration) {
        self.configuration = configuration
    }

    var counts: DatabaseFile { DatabaseFile(path: configuration.databasePath) }
    var offsets: DatabaseFile { DatabaseFile(path: configuration.resolvedConsumerDatabasePath) }

    /// The lock file of the pair.
    public var lockPath: String { configuration.resolvedConsumerDatabasePath + ".lock" }

    /// Reads the counts and the offsets in one read transaction: a consistent view, and the only time the
    /// files are locked (shared, briefly: the API and the consumer wait at most that long).
    public func snapshot() throws(StoreError) -> Snapshot {
        guard counts.identity() != nil else {
            throw StoreError(code: .unavailable, message: "no counts database at \(counts.path)")
        }
        guard offsets.identity() != nil else {
            throw StoreError(code: .unavailable, message: "no offsets file at \(offsets.path)")
        }
        // Read-write with query_only, as the API's reader: it can roll back what a killed writer left, and write
        // nothing else.
        var options = GRDB.Configuration()
        options.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        let offsetsPath = offsets.path
        options.prepareDatabase { db in
            try db.execute(sql: "ATTACH DATABASE ? AS consumer", arguments: [offsetsPath])
            try db.execute(sql: "PRAGMA query_only = ON")
        }
        do {
            let queue = try DatabaseQueue(path: counts.path, configuration: options)
            defer { try? queue.close() }
            return try queue.read { db in
                var counts: [String: Int64] = [:]
                for row in try Row.fetchAll(db, sql: #"SELECT category, "count" FROM main.food_counts"#) {
                    counts[CategoryForm.canonical(row[0]), default: 0] += row[1] as Int64
                }
                // An offsets file no consumer of this version has opened yet has no totals: unknown.
                let columns = try Row.fetchAll(db, sql: "PRAGMA consumer.table_info(consumer_offsets)").map {
                    ($0["name"] as String).lowercased()
                }
                let counted = columns.contains("counted") ? "counted" : "NULL"
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT consumer_group, topic, partition, next_offset, topic_id, \(counted)
                        FROM consumer.consumer_offsets
                        ORDER BY consumer_group, topic, partition
                        """)
                let offsets = rows.map { row in
                    StoredOffset(
                        group: row[0], partition: SourcePartition(topic: row[1], partition: row[2]), next: row[3],
                        topicID: row[4], counted: row[5])
                }
                return Snapshot(counts: counts, offsets: offsets)
            }
        } catch {
            throw StoreError(from: error, context: "reading the counts and the offsets")
        }
    }

    /// Takes the pair's lock exclusively, or throws when a consumer has the files open.
    /// - Returns: The lock, held until it is released or the process ends.
    public func lockExclusively() throws(StoreError) -> FileLock {
        try FileLock(path: lockPath, exclusive: true)
    }

    /// Replaces both files by a rebuilt pair, each by one `rename`: readers of the counts (the API) see the old
    /// counts or the new ones, never a mix. The offsets file goes first; should the process die between the
    /// two renames, the consumer refuses the mismatched pair at its start (their ledgers differ) until the
    /// command is run again. Call with the pair's lock held.
    /// - Parameter rebuilt: The new pair, in the same folders (a rename does not cross file systems).
    public func replace(with rebuilt: SQLiteCountFiles) throws(StoreError) {
        try settleJournal(of: counts)
        try settleJournal(of: offsets)
        for (old, new) in [(offsets, rebuilt.offsets), (counts, rebuilt.counts)] {
            guard rename(new.path, old.path) == 0 else {
                throw StoreError(
                    code: .io, message: "cannot move \(new.path) to \(old.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Rolls back a journal an interrupted commit left beside an old file, then removes what is left of it, so
    /// that no journal can be taken for one of the new file's.
    private func settleJournal(of file: DatabaseFile) throws(StoreError) {
        guard file.identity() != nil else { return }
        var options = GRDB.Configuration()
        options.prepareDatabase { db in try db.execute(sql: "PRAGMA query_only = ON") }
        do {
            let queue = try DatabaseQueue(path: file.path, configuration: options)
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            try queue.close()
        } catch {
            throw StoreError(from: error, context: "settling \(file.path)")
        }
        for suffix in ["-journal", "-wal", "-shm"] { unlink(file.path + suffix) }
    }
}
