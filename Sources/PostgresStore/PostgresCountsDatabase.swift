import FoodCountCore
import Logging
import PostgresNIO

/// A PostgreSQL database's counts and offsets as the operator commands see them: one consistent read of
/// both, the rewrite lock, and the replacement of both by rebuilt ones in one transaction.
///
/// Every ``PostgresCountStore`` holds the database's counts lock shared while it is connected; the rewrite
/// lock (``lockForRewrite()``) takes it exclusively, so a rewrite never runs while a consumer is connected,
/// and no consumer connects during one. This is the PostgreSQL form of the SQLite pair's lock file.
public final class PostgresCountsDatabase: Sendable {
    private let session: PostgresSession
    private let configuration: PostgresCountStore.Configuration

    /// Names the database; it connects at first use.
    /// - Parameters:
    ///   - configuration: The database and the consumer group.
    ///   - logger: Where postgres-nio logs.
    public init(
        configuration: PostgresCountStore.Configuration, logger: Logger = Logger(label: "foodcount.admin.postgres")
    ) {
        self.configuration = configuration
        session = PostgresSession(
            location: configuration.location, lockTimeout: configuration.lockTimeout,
            connectTimeout: configuration.connectTimeout, sharesCountsLock: false, logger: logger)
    }

    /// Reads the counts and every offsets row in one read-only transaction at `REPEATABLE READ`: both as
    /// they were at one moment, without blocking the consumers. Missing tables read as empty.
    public func snapshot() throws(StoreError) -> CountsSnapshot {
        try session.transaction(context: "reading the counts and the offsets", isolation: .snapshot) {
            transaction throws(StoreError) in
            let tables = try transaction.run(
                "SELECT to_regclass('food_counts') IS NOT NULL, to_regclass('foodcount_offsets') IS NOT NULL")
            let (hasCounts, hasOffsets) = try PostgresSchema.decode((Bool, Bool).self, tables.first)
            var counts: [String: Int64] = [:]
            if hasCounts {
                for row in try transaction.run("SELECT category, count FROM food_counts") {
                    let (category, count) = try PostgresSchema.decode((String, Int64).self, row)
                    counts[CategoryForm.canonical(category), default: 0] += count
                }
            }
            var offsets: [CountsSnapshot.StoredOffset] = []
            var hasTotals = false
            if hasOffsets {  // a table no consumer of this version has prepared yet has no totals: unknown
                let column = try transaction.run(
                    """
                    SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                        AND table_name = 'foodcount_offsets' AND column_name = 'counted')
                    """)
                hasTotals = try PostgresSchema.decode(Bool.self, column.first)
            }
            let rows =
                hasOffsets
                ? try transaction.run(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT consumer_group, topic, partition, next_offset, topic_id, \(hasTotals ? "counted" : "NULL::bigint")
                            FROM foodcount_offsets ORDER BY consumer_group, topic, partition
                            """)) : nil
            for row in rows.map(Array.init) ?? [] {
                let (group, topic, partition, next, topicID, counted) = try PostgresSchema.decode(
                    (String, String, Int32, Int64, String?, Int64?).self, row)
                offsets.append(
                    .init(
                        group: group, partition: SourcePartition(topic: topic, partition: partition), next: next,
                        topicID: topicID, counted: counted))
            }
            return CountsSnapshot(counts: counts, offsets: offsets)
        }
    }

    /// Replaces the whole counts table and every stored offset by a rebuilt batch, in one transaction: the
    /// API reads the old counts or the new ones, never a mix. Afterwards the database belongs to this
    /// configuration's group alone: a member of another group that starts later refuses the counts, as it
    /// does for SQLite. Call with the rewrite lock held; creates the tables when missing.
    /// - Parameter batch: The new counts, and the new offsets with no expected value.
    public func replaceAll(with batch: CountBatch) throws(StoreError) {
        let group = configuration.consumerGroup
        try session.transaction(context: "replacing the counts and the offsets") { transaction throws(StoreError) in
            try PostgresSchema.prepare(transaction)
            // Waits for commits in flight, and keeps new ones out until the end: the deletes then see every
            // committed row, even should the rewrite lock have been lost (its session ended) during the recount.
            try transaction.run(
                "LOCK TABLE food_counts, foodcount_offsets, foodcount_ledger IN SHARE ROW EXCLUSIVE MODE")
            try transaction.run("DELETE FROM food_counts")
            try transaction.run("DELETE FROM foodcount_offsets")
            try transaction.run("UPDATE foodcount_ledger SET events = 0, owner_group = NULL WHERE id = 1")
            try PostgresCountStore.apply(batch, group: group, in: transaction)
        }
    }

    /// Takes the database's counts lock exclusively, on a connection of its own, without waiting.
    /// - Returns: The lock; it is held until ``PostgresRewriteLock/release()`` or the process ends.
    /// - Throws: `StoreError` `busy` when a consumer is connected or another command holds it.
    public func lockForRewrite() throws(StoreError) -> PostgresRewriteLock {
        try PostgresRewriteLock(configuration: configuration)
    }

    /// Closes the connection.
    public func close() {
        session.close()
    }
}
