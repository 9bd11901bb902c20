import FoodCountCore
import Foundation
import GRDB
import Logging

/// The `CountStore` over SQLite: counts in the API's database, offsets in a consumer-owned file attached
/// to the same connection, both written in one `BEGIN IMMEDIATE` transaction per batch.
///
/// SQLite commits a transaction across attached files atomically only outside WAL mode, so the store
/// refuses a database in WAL (or any journal mode without a super-journal). See `docs/design.md`.
public final class SQLiteCountStore: CountStore {
    private let queue: DatabaseQueue
    var queueForSetup: DatabaseQueue { queue }
    private let group: String
    private let logger: Logger

    /// Opens (creating if needed) both databases and checks that they can commit atomically.
    /// - Parameters:
    ///   - configuration: Paths, consumer group and busy timeout.
    ///   - logger: Where the store logs.
    /// - Throws: `StoreError` with `StoreError.readOnly` for an unwritable folder,
    ///   `StoreError.incompatible` for a WAL database or a counts table of another shape.
    public init(configuration: Configuration, logger: Logger = Logger(label: "foodcount.store")) throws(StoreError) {
        self.group = configuration.consumerGroup
        self.logger = logger
        let consumerPath = configuration.resolvedConsumerDatabasePath
        try Self.prepareDirectory(for: configuration.databasePath)
        try Self.prepareDirectory(for: consumerPath)
        var options = GRDB.Configuration()
        options.label = "foodcount.store"
        options.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        options.journalMode = .default
        options.prepareDatabase { db in
            try db.execute(sql: "ATTACH DATABASE ? AS consumer", arguments: [consumerPath])
            try db.execute(sql: "PRAGMA main.synchronous = FULL")
            try db.execute(sql: "PRAGMA consumer.synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: configuration.databasePath, configuration: options)
        } catch {
            throw StoreError(from: error, context: "opening \(configuration.databasePath)")
        }
        try checkJournalModes(paths: ["main": configuration.databasePath, "consumer": consumerPath])
        try createSchema()
    }

    /// Implements `CountStore.storedOffsets`.
    public func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        let wanted = Set(partitions)
        let sql = "SELECT topic, partition, next_offset FROM consumer.consumer_offsets WHERE consumer_group = ?"
        do {
            return try queue.read { db in
                var result: [SourcePartition: Int64] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: [group]) {
                    let partition = SourcePartition(topic: row[0], partition: row[1])
                    if wanted.contains(partition) { result[partition] = row[2] }
                }
                return result
            }
        } catch {
            throw StoreError(from: error, context: "reading stored offsets")
        }
    }

    /// Implements `CountStore.commit`.
    public func commit(_ batch: CountBatch) throws(StoreError) {
        guard !batch.offsets.isEmpty || !batch.deltas.isEmpty else { return }
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try applyDeltas(batch.deltas, db)
                    try advanceOffsets(batch.offsets, db)
                    return .commit
                }
            }
        } catch {
            throw StoreError(from: error, context: "committing a batch of \(batch.eventCount) events")
        }
    }

    /// Closes the connection.
    public func close() throws(StoreError) {
        do { try queue.close() } catch { throw StoreError(from: error, context: "closing") }
    }

    private func applyDeltas(_ deltas: [String: Int64], _ db: Database) throws {
        guard !deltas.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO main.food_counts (category, "count") VALUES (?, ?)
                ON CONFLICT (category) DO UPDATE SET "count" = "count" + excluded."count"
                """)
        for (category, delta) in deltas {
            try statement.execute(arguments: [category, delta])
        }
    }

    private func advanceOffsets(_ offsets: [SourcePartition: CountBatch.OffsetAdvance], _ db: Database) throws {
        let update = try db.cachedStatement(
            sql: """
                UPDATE consumer.consumer_offsets
                SET next_offset = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                WHERE consumer_group = ? AND topic = ? AND partition = ? AND next_offset = ?
                """)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO consumer.consumer_offsets (consumer_group, topic, partition, next_offset, updated_at)
                VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                ON CONFLICT DO NOTHING
                """)
        var fenced: [SourcePartition] = []
        for (partition, advance) in offsets {
            if let expected = advance.expected {
                try update.execute(arguments: [advance.next, group, partition.topic, partition.partition, expected])
            } else {
                try insert.execute(arguments: [group, partition.topic, partition.partition, advance.next])
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
