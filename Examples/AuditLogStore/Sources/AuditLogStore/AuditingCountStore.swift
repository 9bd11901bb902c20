import FoodCountCore
import Foundation
import GRDB

/// A ``CountStore`` that commits through another store, then appends one row per committed batch to an
/// append-only audit log in its own SQLite file.
///
/// The wrapped store keeps the exactly-once guarantee for the counts. The audit row is written after that
/// commit, so after a crash between the two a batch can be missing from the log, never counted twice:
/// the log is an at-most-once record of commits, the counts stay exact.
final class AuditingCountStore: CountStore {
    private let wrapped: any CountStore
    private let log: DatabaseQueue

    /// Opens (creating) the audit log.
    /// - Parameters:
    ///   - wrapped: The store that holds counts and offsets.
    ///   - auditPath: The audit log's SQLite file.
    init(wrapping wrapped: any CountStore, auditPath: String) throws {
        self.wrapped = wrapped
        log = try DatabaseQueue(path: auditPath)
        try log.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS audit_log (
                        id          INTEGER PRIMARY KEY AUTOINCREMENT,
                        committed_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                        events      INTEGER NOT NULL,
                        categories  INTEGER NOT NULL,
                        offsets     TEXT    NOT NULL
                    )
                    """)
        }
    }

    func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        try wrapped.storedOffsets(for: partitions)
    }

    func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        try wrapped.storedLogIDs(for: partitions)
    }

    func commit(_ batch: CountBatch) throws(StoreError) {
        try wrapped.commit(batch)
        let offsets = batch.offsets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.next)" }
            .joined(separator: ",")
        do {
            try log.write { db in
                try db.execute(
                    sql: "INSERT INTO audit_log (events, categories, offsets) VALUES (?, ?, ?)",
                    arguments: [batch.eventCount, batch.deltas.count, offsets])
            }
        } catch {
            // The counts are committed; a missing audit row must not make the pipeline retry them.
            FileHandle.standardError.write(Data("audit log write failed: \(error)\n".utf8))
        }
    }

    /// The audit rows, oldest first.
    func rows() throws -> [(events: Int, offsets: String)] {
        try log.read { db in
            try Row.fetchAll(db, sql: "SELECT events, offsets FROM audit_log ORDER BY id").map { ($0[0], $0[1]) }
        }
    }
}
