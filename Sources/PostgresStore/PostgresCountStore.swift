import FoodCountCore
import Logging
import PostgresNIO

/// The `CountStore` on a PostgreSQL server, which many consumer hosts share: counts in `food_counts`, offsets
/// in `foodcount_offsets`, both written in one transaction per batch.
///
/// Fencing is by conditional update: a partition's offset moves only from the value the batch expects
/// (`UPDATE … WHERE next_offset = expected`), and a first commit inserts only when no row exists
/// (`INSERT … ON CONFLICT DO NOTHING`). A batch any of whose partitions is stale writes nothing. At
/// `READ COMMITTED` a conditional update waits for a concurrent one and re-checks its condition, so two
/// members can never both move one offset on.
///
/// Methods block: each waits for postgres-nio's future on the store's own event loop. Call them from a
/// thread of your own (the pipeline's), not from Swift's cooperative pool.
public final class PostgresCountStore: CountStore {
    private let session: PostgresSession
    private let group: String

    /// Connects, creates the tables when missing and checks their shape.
    /// - Parameters:
    ///   - configuration: The database, consumer group and timeouts.
    ///   - logger: Where postgres-nio logs.
    /// - Throws: `StoreError`: `unavailable` when the server cannot be reached, `incompatible` for tables of
    ///   another shape, `read_only` when the database refuses writes, `busy` while a `foodcount` command
    ///   rewrites the counts, `inconsistent` when the counts hold events but this group has no stored offset
    ///   (a renamed group, or a database another group counted into: counting would count the log again).
    public init(configuration: Configuration, logger: Logger = Logger(label: "foodcount.store.postgres"))
        throws(StoreError)
    {
        group = configuration.consumerGroup
        session = PostgresSession(
            location: configuration.location, lockTimeout: configuration.lockTimeout,
            connectTimeout: configuration.connectTimeout, sharesCountsLock: true, logger: logger)
        do {
            let group = self.group
            try session.transaction(context: "preparing the tables") { transaction throws(StoreError) in
                try PostgresSchema.prepare(transaction)
                try Self.verifyLedger(group, in: transaction, locking: false)
                try Self.verifyGroup(group, in: transaction)
            }
        } catch {
            session.close()
            throw error
        }
    }

    /// Refuses a group with no stored offset when the counts already hold events: it would count the log
    /// again. The SQLite store's pairing check refuses the same.
    private static func verifyGroup(_ group: String, in transaction: PostgresSession.Transaction) throws(StoreError) {
        let rows = try transaction.run(
            """
            SELECT EXISTS (SELECT 1 FROM food_counts WHERE count > 0),
                EXISTS (SELECT 1 FROM foodcount_offsets WHERE consumer_group = \(group)),
                COALESCE((SELECT string_agg(DISTINCT consumer_group, ', ') FROM foodcount_offsets), '')
            """)
        let (counted, hasOffsets, groups) = try PostgresSchema.decode((Bool, Bool, String).self, rows.first)
        guard counted, !hasOffsets else { return }
        throw StoreError(
            code: .inconsistent,
            message: "consumer group '\(group)' has no stored offsets in this database, but the counts already hold "
                + "events\(groups.isEmpty ? "" : " (offsets of group \(groups))"); a new group would count the log "
                + "again (was CONSUMER_GROUP renamed?); see docs/operations.md "
                + "(\"The counts and the offsets file disagree\")")
    }

    /// Checks the ledger (``PostgresSchema/createLedgerTable``): the counts belong to this group (or to none
    /// yet), and the table holds the events the ledger says. A commit locks the row first (`locking`), so that
    /// the table's sum, read after the lock, includes every other commit. Without the lock (at start, where a
    /// role that may only read must still open the store), the row and the sum are read in one statement, so
    /// in one snapshot: a commit of another member between two statements would look like counts changed
    /// behind the consumer.
    /// - Returns: The ledger's events.
    /// - Throws: `inconsistent`, naming the owner or both figures and the way out.
    @discardableResult
    static func verifyLedger(
        _ group: String, in transaction: PostgresSession.Transaction, locking: Bool
    ) throws(StoreError) -> Int64 {
        let owner: String?
        let events: Int64
        let counted: Int64
        if locking {
            let row = try transaction.run("SELECT owner_group, events FROM foodcount_ledger WHERE id = 1 FOR UPDATE")
            (owner, events) = try PostgresSchema.decode((String?, Int64).self, row.first)
            let sum = try transaction.run("SELECT COALESCE(sum(count), 0)::bigint FROM food_counts")
            counted = try PostgresSchema.decode(Int64.self, sum.first)
        } else {
            let row = try transaction.run(
                """
                SELECT owner_group, events, (SELECT COALESCE(sum(count), 0)::bigint FROM food_counts)
                FROM foodcount_ledger WHERE id = 1
                """)
            (owner, events, counted) = try PostgresSchema.decode((String?, Int64, Int64).self, row.first)
        }
        if let owner, owner != group {
            throw StoreError(
                code: .inconsistent,
                message: "the counts in this database belong to consumer group '\(owner)', not '\(group)': a second "
                    + "group would count every event again into the same table. Run the consumer with "
                    + "CONSUMER_GROUP=\(owner), or give this group a database of its own; see docs/operations.md "
                    + "(\"Another consumer group owns the counts\")")
        }
        guard counted == events else {
            throw StoreError(
                code: .inconsistent,
                message: "the counts table holds \(counted) events, but the ledger recorded \(events): it was changed "
                    + "behind the consumer (truncated, restored or edited), so the stored offsets no longer describe "
                    + "its counts; stopping without committing. See docs/operations.md "
                    + "(\"The counts and the offsets file disagree\")")
        }
        return events
    }

    /// Implements `CountStore.storedOffsets`.
    public func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        try storedPositions(for: partitions).mapValues(\.next)
    }

    /// Implements `CountStore.storedLogIDs`: the topic IDs stored with the offsets.
    public func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        try storedPositions(for: partitions).compactMapValues(\.logID)
    }

    /// Implements `CountStore.storedPositions`: offsets, topic IDs and versions in one read.
    public func storedPositions(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition:
        StoredPosition]
    {
        var result: [SourcePartition: StoredPosition] = [:]
        for (partition, position) in try storedRows(of: partitions, context: "reading stored offsets") {
            result[partition] = position
        }
        return result
    }

    /// Implements `CountStore.commit`. Categories are stored in their canonical form (``CategoryForm``).
    public func commit(_ batch: CountBatch) throws(StoreError) {
        guard !batch.offsets.isEmpty || !batch.deltas.isEmpty else { return }
        let group = self.group
        try session.transaction(context: "committing a batch of \(batch.eventCount) events") {
            transaction throws(StoreError) in
            try Self.apply(batch, group: group, in: transaction)
        }
    }

    /// Applies a batch inside a transaction: the offsets by conditional update (throwing `fenced`, before
    /// anything is counted, when one is stale), then the counts.
    static func apply(
        _ batch: CountBatch, group: String, in transaction: PostgresSession.Transaction
    ) throws(StoreError) {
        var deltas: [String: Int64] = [:]
        for (category, delta) in batch.deltas where delta != 0 {
            deltas[CategoryForm.canonical(category), default: 0] += delta
        }
        let categories = deltas.keys.sorted()
        let counts = categories.map { deltas[$0] ?? 0 }
        try verifyLedger(group, in: transaction, locking: true)
        // Partitions in a fixed order, so that members lock rows in the same order.
        var fenced: [SourcePartition] = []
        for (partition, advance) in batch.offsets.sorted(by: { $0.key < $1.key }) {
            let result: PostgresQueryResult
            if let expected = advance.expected {
                result = try transaction.run(
                    """
                    UPDATE foodcount_offsets SET next_offset = \(advance.next),
                        topic_id = COALESCE(\(advance.logID), topic_id), commits = commits + 1,
                        counted = counted + \(advance.counted), updated_at = now()
                    WHERE consumer_group = \(group) AND topic = \(partition.topic)
                        AND partition = \(partition.partition) AND next_offset = \(expected)
                        AND (\(advance.expectedLogID)::text IS NULL OR topic_id IS NULL
                            OR topic_id = \(advance.expectedLogID))
                        AND (\(advance.expectedVersion)::bigint IS NULL OR commits = \(advance.expectedVersion))
                    """)
            } else {
                result = try transaction.run(
                    """
                    INSERT INTO foodcount_offsets
                        (consumer_group, topic, partition, next_offset, topic_id, commits, counted)
                    VALUES (
                        \(group), \(partition.topic), \(partition.partition), \(advance.next), \(advance.logID), 1,
                        \(advance.counted))
                    ON CONFLICT DO NOTHING
                    """)
            }
            if result.metadata.rows != 1 { fenced.append(partition) }
        }
        guard fenced.isEmpty else {
            throw StoreError(
                code: .fenced, message: "another member moved these partitions' offsets on; the batch is stale",
                partitions: fenced)
        }
        let added = counts.reduce(0, +)
        try transaction.run(
            """
            UPDATE foodcount_ledger SET events = events + \(added), owner_group = COALESCE(owner_group, \(group)),
                updated_at = now()
            WHERE id = 1
            """)
        guard !categories.isEmpty else { return }
        try transaction.run(
            """
            INSERT INTO food_counts (category, count)
            SELECT * FROM unnest(\(categories)::text[], \(counts)::bigint[])
            ON CONFLICT (category) DO UPDATE SET count = food_counts.count + excluded.count
            """)
    }

    /// Closes the connection. A store used after closing connects again.
    public func close() {
        session.close()
    }

    /// This group's offset rows for some partitions.
    private func storedRows(
        of partitions: [SourcePartition], context: String
    ) throws(StoreError) -> [(SourcePartition, StoredPosition)] {
        guard !partitions.isEmpty else { return [] }
        let wanted = Set(partitions)
        let topics = Array(Set(partitions.map(\.topic))).sorted()
        let group = self.group
        return try session.transaction(context: context) { transaction throws(StoreError) in
            let rows = try transaction.run(
                """
                SELECT topic, partition, next_offset, topic_id, commits, counted FROM foodcount_offsets
                WHERE consumer_group = \(group) AND topic = ANY(\(topics))
                """)
            var result: [(SourcePartition, StoredPosition)] = []
            for row in rows {
                let (topic, number, offset, logID, commits, counted) = try PostgresSchema.decode(
                    (String, Int32, Int64, String?, Int64, Int64?).self, row)
                let partition = SourcePartition(topic: topic, partition: number)
                if wanted.contains(partition) {
                    result.append(
                        (partition, StoredPosition(next: offset, logID: logID, version: commits, counted: counted)))
                }
            }
            return result
        }
    }
}
