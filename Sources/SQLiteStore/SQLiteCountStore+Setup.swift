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

    /// The schemas that must keep a rollback journal, with their files: the counts and the offsets.
    var attachedFiles: [(schema: String, file: DatabaseFile, role: String)] {
        [("main", files.counts, "counts database"), ("consumer", files.offsets, "offsets file")]
    }

    /// Refuses a file whose journal mode cannot commit both files atomically, at start.
    static func checkJournalModes(_ queue: DatabaseQueue, files: DatabaseFilePair) throws(StoreError) {
        do {
            try queue.inDatabase { db in
                for (schema, file) in [("main", files.counts), ("consumer", files.offsets)] {
                    let mode = try String.fetchOne(db, sql: "PRAGMA \(schema).journal_mode")?.lowercased() ?? "?"
                    guard atomicJournalModes.contains(mode) else {
                        throw StoreError(
                            code: .incompatible,
                            message: """
                                \(file.path) uses journal_mode=\(mode); the consumer needs a rollback journal \
                                (delete, truncate or persist) because SQLite commits a transaction across attached \
                                databases atomically only then, and counts and offsets must commit together. \
                                Convert it with: sqlite3 \(file.path) 'PRAGMA journal_mode=DELETE'
                                """)
                    }
                }
            }
        } catch {
            throw StoreError(from: error, context: "checking journal modes")
        }
    }

    /// Inside a commit's transaction: the journal modes now. Another connection may have switched a file to
    /// WAL since the start, and SQLite then follows it silently, committing each file on its own.
    func checkJournalModesInTransaction(_ db: Database) throws {
        for (schema, file, role) in attachedFiles {
            let mode = try String.fetchOne(db, sql: "PRAGMA \(schema).journal_mode")?.lowercased() ?? "?"
            guard Self.atomicJournalModes.contains(mode) else { throw file.walError(role) }
        }
    }

    /// Creates what is missing, checks the counts table's shape, and checks that the counts and the offsets
    /// file belong together (``CountsLedger``), in one transaction, so that members starting at once agree.
    static func prepareSchema(_ queue: DatabaseQueue, group: String, files: DatabaseFilePair) throws(StoreError)
        -> String?
    {
        do {
            return try queue.writeWithoutTransaction { db in
                var notice: String?
                try db.inTransaction(.immediate) {
                    try db.execute(sql: CountsSchema.createCountsTable)
                    try CountsSchema.verifyCountsTable(db)
                    try db.execute(sql: CountsSchema.createOffsetsTable)
                    try CountsSchema.addColumnsIfMissing(db)
                    let hadLedger = try db.tableExists("counts_ledger", in: "consumer")
                    try db.execute(sql: CountsLedger.createTable)
                    try CountsStamp.addColumnsIfMissing(db)
                    try CountsStamp.stored(db).checkOwner(group, files: files)
                    notice = try verifyPairing(db, group: group, files: files, hadLedger: hadLedger)
                    if var ledger = try CountsLedger.stored(db) {
                        let merged = try CanonicalRows.merge(db, ledger: &ledger)
                        if merged > 0 {
                            try ledger.store(db)
                            let note = "merged \(merged) rows whose category was not in NFC into their canonical rows"
                            notice = notice.map { "\($0); \(note)" } ?? note
                        }
                    }
                    return .commit
                }
                // The counts were just proven to match the ledger: the version their file has now is the one the
                // next commit expects. (Its own transaction: creating the counts table above writes the file.)
                try db.inTransaction(.immediate) {
                    var stamp = try CountsStamp.stored(db)
                    stamp.countsVersion = db.changeCounter()
                    try stamp.store(db)
                    return .commit
                }
                return notice
            }
        } catch {
            throw StoreError(from: error, context: "preparing the schema")
        }
    }

    /// Compares the counts with the offsets file's ledger and stored offsets; records a ledger where a fresh
    /// or older offsets file has none. Throws ``StoreError/Code/inconsistent`` when they disagree.
    /// - Returns: A notice to log, when a ledger was adopted from the counts.
    private static func verifyPairing(_ db: Database, group: String, files: DatabaseFilePair, hadLedger: Bool) throws
        -> String?
    {
        let counts = try CountsLedger.ofCountsTable(db)
        var groups: [String: Int] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT consumer_group, count(*) FROM consumer.consumer_offsets GROUP BY consumer_group")
        {
            groups[row[0]] = row[1]
        }
        var notice: String?
        let recovery = "see docs/operations.md (\"The counts and the offsets file disagree\")"
        if let ledger = try CountsLedger.stored(db) {
            guard ledger == counts else {
                throw StoreError(
                    code: .inconsistent,
                    message: """
                        the counts database \(files.counts.path) holds \(counts), but the offsets file \
                        \(files.offsets.path) recorded \(ledger): one of them was restored, replaced or edited, \
                        so counting on would count events twice or skip them; \(recovery)
                        """)
            }
        } else if !hadLedger && !groups.isEmpty {
            // An offsets file of a FoodCount that kept no ledger: the pair was consistent then; adopt it.
            try counts.store(db)
            notice = "the offsets file had no ledger (an older FoodCount wrote it); recorded the counts as they are"
        } else if counts.events == 0 {
            try counts.store(db)
        } else {
            throw StoreError(
                code: .inconsistent,
                message: """
                    the counts database \(files.counts.path) holds \(counts.events) events, but the offsets file \
                    \(files.offsets.path) has no record of counting them (it was lost, deleted, or is not the one \
                    that belongs beside these counts), so counting from the stored offsets would count the log \
                    again; \(recovery)
                    """)
        }
        if counts.events > 0, groups[group] == nil {
            let others = groups.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw StoreError(
                code: .inconsistent,
                message: """
                    consumer group '\(group)' has no stored offsets in \(files.offsets.path), but the counts \
                    already hold \(counts.events) events\(others.isEmpty ? "" : " (counted by group \(others))"); \
                    a new group would count the log again (was CONSUMER_GROUP renamed?); \(recovery)
                    """)
        }
        return notice
    }
}

/// The two files of a store: the counts (the API's) and the offsets (the consumer's).
struct DatabaseFilePair: Sendable {
    let counts: DatabaseFile
    let offsets: DatabaseFile
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var timeInterval: TimeInterval {
        self / .seconds(1)
    }
}
