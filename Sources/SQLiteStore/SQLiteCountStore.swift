import FoodCountCore
import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// The `CountStore` over SQLite: counts in the API's database, offsets in a consumer-owned file attached
/// to the same connection, both written in one `BEGIN IMMEDIATE` transaction per batch.
///
/// SQLite commits a transaction across attached files atomically only outside WAL mode, so the store
/// refuses a database in WAL (or any journal mode without a super-journal), at start and inside every
/// commit. The offsets file also keeps a ledger of the counts (``CountsLedger``), so that the two files
/// prove at start that they belong together. See `docs/design.md`.
public final class SQLiteCountStore: CountStore {
    let files: DatabaseFilePair
    private let group: String
    private let logger: Logger
    private let options: GRDB.Configuration
    /// The files' identities when the store opened them: a commit to a file that was since replaced or
    /// deleted would go nowhere anyone reads.
    private let identities: [DatabaseFile.Identity]
    /// The connection; `nil` after a file was found in WAL mode, so that nothing of the store holds the file
    /// open in WAL (SQLite cannot convert it back while a connection has it open). Reopened at next use.
    private let connection: Mutex<DatabaseQueue?>
    /// The pair's lock, shared: an operator command that rewrites the files waits for every store to close.
    private let lock: FileLock

    /// Opens (creating if needed) both databases and checks that they can commit atomically and belong
    /// together.
    /// - Parameters:
    ///   - configuration: Paths, consumer group and busy timeout.
    ///   - logger: Where the store logs.
    /// - Throws: `StoreError` with `StoreError.readOnly` for an unwritable folder,
    ///   `StoreError.incompatible` for a WAL database or a counts table of another shape,
    ///   `StoreError.inconsistent` when the counts and the offsets file do not belong together, and
    ///   `StoreError.busy` while an operator command rewrites the files.
    public init(configuration: Configuration, logger: Logger = Logger(label: "foodcount.store")) throws(StoreError) {
        self.group = configuration.consumerGroup
        self.logger = logger
        let consumerPath = configuration.resolvedConsumerDatabasePath
        files = DatabaseFilePair(
            counts: DatabaseFile(path: configuration.databasePath), offsets: DatabaseFile(path: consumerPath))
        try Self.prepareDirectory(for: configuration.databasePath)
        try Self.prepareDirectory(for: consumerPath)
        lock = try FileLock(path: SQLiteCountFiles(configuration: configuration).lockPath, exclusive: false)
        var options = GRDB.Configuration()
        options.label = "foodcount.store"
        options.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        options.journalMode = .default
        options.prepareDatabase { db in
            try db.execute(sql: "ATTACH DATABASE ? AS consumer", arguments: [consumerPath])
            try db.execute(sql: "PRAGMA main.synchronous = FULL")
            try db.execute(sql: "PRAGMA consumer.synchronous = FULL")
            try db.execute(sql: "PRAGMA main.cache_size = -\(max(configuration.pageCacheKiB, 0))")
        }
        self.options = options
        let queue = try Self.open(configuration.databasePath, options)
        try Self.checkJournalModes(queue, files: files)
        if let notice = try Self.prepareSchema(queue, group: group, files: files) {
            logger.notice("\(notice)", metadata: ["offsets_file": "\(consumerPath)"])
        }
        guard let counts = files.counts.identity(), let offsets = files.offsets.identity() else {
            throw StoreError(code: .unavailable, message: "\(configuration.databasePath) vanished while opening")
        }
        identities = [counts, offsets]
        connection = Mutex(queue)
    }

    /// Implements `CountStore.storedOffsets`.
    public func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        try storedColumn("next_offset", of: partitions, context: "reading stored offsets")
    }

    /// Implements `CountStore.storedLogIDs`: the topic IDs stored with the offsets.
    public func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        try storedColumn("topic_id", of: partitions, context: "reading stored topic IDs")
    }

    /// Implements `CountStore.storedPositions`: offsets, topic IDs and versions in one read.
    public func storedPositions(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition:
        StoredPosition]
    {
        let wanted = Set(partitions)
        let sql = """
            SELECT topic, partition, next_offset, topic_id, commits, counted FROM consumer.consumer_offsets
            WHERE consumer_group = ?
            """
        let queue = try currentConnection()
        do {
            return try queue.read { db in
                var result: [SourcePartition: StoredPosition] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: [group]) {
                    let partition = SourcePartition(topic: row[0], partition: row[1])
                    guard wanted.contains(partition) else { continue }
                    result[partition] = StoredPosition(next: row[2], logID: row[3], version: row[4], counted: row[5])
                }
                return result
            }
        } catch {
            throw StoreError(from: error, context: "reading stored offsets")
        }
    }

    /// A column of this group's offset rows for some partitions; rows where it is NULL are left out.
    private func storedColumn<Value: DatabaseValueConvertible>(
        _ column: String, of partitions: [SourcePartition], context: String
    ) throws(StoreError) -> [SourcePartition: Value] {
        let wanted = Set(partitions)
        let sql = """
            SELECT topic, partition, \(column) FROM consumer.consumer_offsets
            WHERE consumer_group = ? AND \(column) IS NOT NULL
            """
        let queue = try currentConnection()
        do {
            return try queue.read { db in
                var result: [SourcePartition: Value] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: [group]) {
                    let partition = SourcePartition(topic: row[0], partition: row[1])
                    if wanted.contains(partition) { result[partition] = row[2] }
                }
                return result
            }
        } catch {
            throw StoreError(from: error, context: context)
        }
    }

    /// Implements `CountStore.commit`. Categories are stored in their canonical form (``CategoryForm``).
    public func commit(_ batch: CountBatch) throws(StoreError) {
        guard !batch.offsets.isEmpty || !batch.deltas.isEmpty else { return }
        let queue = try currentConnection()
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try checkJournalModesInTransaction(db)
                    // Under the write lock, before writing: who owns the counts, and which version of the counts
                    // file the last commit left (a file restored in place under this consumer has another).
                    var stamp = try CountsStamp.stored(db)
                    try stamp.checkOwner(group, files: files)
                    let version = db.changeCounter()
                    if let version { try stamp.checkVersion(version, files: files, db) }
                    var ledger = try CountsLedger.stored(db) ?? CountsLedger()
                    try applyDeltas(batch.deltas, to: &ledger, db)
                    try advanceOffsets(batch.offsets, db)
                    try ledger.store(db)
                    stamp.owner = stamp.owner ?? group
                    // The commit raises the counter by one when it writes the counts file.
                    stamp.countsVersion = version.map { $0 + (batch.deltas.isEmpty ? 0 : 1) }
                    try stamp.store(db)
                    return .commit
                }
            }
        } catch let error as StoreError {
            if error.code == .notAtomic { dropConnection(queue) }
            throw error
        } catch {
            throw StoreError(from: error, context: "committing a batch of \(batch.eventCount) events")
        }
    }

    /// Closes the connection and releases the pair's lock.
    public func close() throws(StoreError) {
        defer { lock.release() }
        guard let queue = connection.withLock({ $0 }) else { return }
        do { try queue.close() } catch { throw StoreError(from: error, context: "closing") }
    }

    /// The open connection, after checking that both paths still name the files the store opened; reopens
    /// one dropped because a file was in WAL mode, once neither file's header says WAL any more.
    private func currentConnection() throws(StoreError) -> DatabaseQueue {
        for ((_, file, role), opened) in zip(attachedFiles, identities) where file.identity() != opened {
            throw file.replacedError(role)
        }
        if let queue = connection.withLock({ $0 }) { return queue }
        for (_, file, role) in attachedFiles where file.headerSaysWAL() { throw file.walError(role) }
        let queue = try Self.open(files.counts.path, options)
        logger.notice("both files use a rollback journal again; commits resume")
        return connection.withLock { current in
            if let current { return current }
            current = queue
            return queue
        }
    }

    /// Forgets a connection whose files went to WAL; users still holding it finish first, and it closes
    /// with its last reference.
    private func dropConnection(_ queue: DatabaseQueue) {
        connection.withLock { current in
            if current === queue { current = nil }
        }
    }

    private static func open(_ path: String, _ options: GRDB.Configuration) throws(StoreError) -> DatabaseQueue {
        do {
            return try DatabaseQueue(path: path, configuration: options)
        } catch {
            throw StoreError(from: error, context: "opening \(path)")
        }
    }

    /// One upsert per category, its arguments bound straight to the prepared statement: GRDB's
    /// `StatementArguments` would allocate an array of values per row, which at 100,000 categories was a
    /// third of the commit's CPU (`docs/benchmarks.md`, "The consumer at high cardinality").
    private func applyDeltas(_ deltas: [String: Int64], to ledger: inout CountsLedger, _ db: Database) throws {
        guard !deltas.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO main.food_counts (category, "count") VALUES (?, ?)
                ON CONFLICT (category) DO UPDATE SET "count" = "count" + excluded."count"
                """)
        let handle = statement.sqliteStatement
        defer { sqlite3_clear_bindings(handle) }  // no pointer to a released text stays bound
        // In the index's order: consecutive upserts then find their pages in the processor's caches.
        var rows = deltas.map { (category: CategoryForm.canonical($0.key), delta: $0.value) }
        if rows.count > 64 { rows.sort { $0.category < $1.category } }
        for (category, delta) in rows {
            var canonical = category
            guard !canonical.isEmpty else {  // no buffer to bind: GRDB's way
                try statement.execute(arguments: [canonical, delta])
                continue
            }
            let code = canonical.withUTF8 { text in
                // SQLITE_STATIC (no destructor): the text is only used until the reset, within this closure.
                let base = UnsafeRawPointer(text.baseAddress!).assumingMemoryBound(to: CChar.self)
                let bound = sqlite3_bind_text(handle, 1, base, Int32(text.count), nil)
                guard bound == SQLITE_OK else { return bound }
                let boundCount = sqlite3_bind_int64(handle, 2, delta)
                guard boundCount == SQLITE_OK else { return boundCount }
                let code = sqlite3_step(handle)
                sqlite3_reset(handle)
                return code
            }
            guard code == SQLITE_DONE else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: sqlite3_extended_errcode(db.sqliteConnection)),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
            }
            ledger.add(delta, of: canonical)
        }
    }

    private func advanceOffsets(_ offsets: [SourcePartition: CountBatch.OffsetAdvance], _ db: Database) throws {
        let update = try db.cachedStatement(
            sql: """
                UPDATE consumer.consumer_offsets
                SET next_offset = ?, topic_id = coalesce(?, topic_id), commits = commits + 1,
                    counted = counted + ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                WHERE consumer_group = ? AND topic = ? AND partition = ? AND next_offset = ?
                    AND (? IS NULL OR topic_id IS NULL OR topic_id = ?) AND (? IS NULL OR commits = ?)
                """)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO consumer.consumer_offsets
                    (consumer_group, topic, partition, next_offset, topic_id, commits, counted, updated_at)
                VALUES (?, ?, ?, ?, ?, 1, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                ON CONFLICT DO NOTHING
                """)
        var fenced: [SourcePartition] = []
        for (partition, advance) in offsets {
            if let expected = advance.expected {
                try update.execute(arguments: [
                    advance.next, advance.logID, advance.counted, group, partition.topic, partition.partition, expected,
                    advance.expectedLogID, advance.expectedLogID, advance.expectedVersion, advance.expectedVersion,
                ])
            } else {
                try insert.execute(arguments: [
                    group, partition.topic, partition.partition, advance.next, advance.logID, advance.counted,
                ])
            }
            if db.changesCount != 1 { fenced.append(partition) }
        }
        guard fenced.isEmpty else {
            throw StoreError(
                code: .fenced,
                message: "stored offsets of consumer group '\(group)' are not where this member left them",
                partitions: fenced)
        }
    }
}
