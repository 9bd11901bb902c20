import FoodCountCore
import Foundation
import GRDB

extension SQLiteCountStore {
    /// Journal modes that keep SQLite's super-journal, and so atomic commits across attached files.
    static let atomicJournalModes: Set<String> = ["delete", "truncate", "persist"]

    /// Creates the database's folder if needed and checks that it is writable.
    static func prepareDirectory(for path: String) throws(StoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(
                code: .readOnly, message: "cannot create database folder \(folder): \(error.localizedDescription)")
        }
        guard access(folder, W_OK) == 0 else {
            throw StoreError(code: .readOnly, message: "database folder \(folder) is not writable")
        }
    }

    func checkJournalModes(paths: [String: String]) throws(StoreError) {
        do {
            try queueForSetup.inDatabase { db in
                for (schema, path) in paths.sorted(by: { $0.key < $1.key }) {
                    let mode = try String.fetchOne(db, sql: "PRAGMA \(schema).journal_mode")?.lowercased() ?? "?"
                    guard Self.atomicJournalModes.contains(mode) else {
                        throw StoreError(
                            code: .incompatible,
                            message: """
                                \(path) uses journal_mode=\(mode); the consumer needs a rollback journal \
                                (delete, truncate or persist) because SQLite commits a transaction across attached \
                                databases atomically only then, and counts and offsets must commit together. \
                                Convert it with: sqlite3 \(path) 'PRAGMA journal_mode=DELETE'
                                """)
                    }
                }
            }
        } catch {
            throw StoreError(from: error, context: "checking journal modes")
        }
    }

    func createSchema() throws(StoreError) {
        do {
            try queueForSetup.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: CountsSchema.createCountsTable)
                    try CountsSchema.verifyCountsTable(db)
                    try db.execute(sql: CountsSchema.createOffsetsTable)
                    return .commit
                }
            }
        } catch {
            throw StoreError(from: error, context: "preparing the schema")
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
