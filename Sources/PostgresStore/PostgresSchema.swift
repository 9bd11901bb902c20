import FoodCountCore
import PostgresNIO

/// The tables in PostgreSQL: the contract's counts table, and the consumer's offsets in a table of their own.
///
/// `food_counts` has the contract's shape with PostgreSQL's types: `count` is a `BIGINT` because a
/// PostgreSQL `INTEGER` has 32 bits where SQLite's has 64. The consumer creates the tables when they are
/// missing and never alters an existing one.
public enum PostgresSchema {
    /// The statement that creates the counts table.
    public static let createCountsTable = """
        CREATE TABLE IF NOT EXISTS food_counts (
            category TEXT   NOT NULL PRIMARY KEY,
            count    BIGINT NOT NULL DEFAULT 0 CHECK (count >= 0)
        )
        """

    /// The statement that creates the offsets table: the next offset per consumer group and partition, the
    /// identity of the log it belongs to (Kafka's topic ID), and how many valid events of the partition the
    /// counts hold (`counted`, NULL when unknown: rows counted before the column existed).
    public static let createOffsetsTable = """
        CREATE TABLE IF NOT EXISTS foodcount_offsets (
            consumer_group TEXT        NOT NULL,
            topic          TEXT        NOT NULL,
            partition      INTEGER     NOT NULL,
            next_offset    BIGINT      NOT NULL,
            topic_id       TEXT,
            commits        BIGINT      NOT NULL DEFAULT 0,
            counted        BIGINT,
            updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer_group, topic, partition)
        )
        """

    /// The statement that creates the ledger: one row that says which consumer group counts into
    /// `food_counts` (the group of the first commit) and how many events the table holds, kept in the same
    /// transaction as every commit. A commit locks it first and compares the table with it, so that a
    /// truncated, restored or edited counts table is noticed at the next commit, and a second group never
    /// counts into the same table.
    public static let createLedgerTable = """
        CREATE TABLE IF NOT EXISTS foodcount_ledger (
            id          INTEGER     NOT NULL PRIMARY KEY CHECK (id = 1),
            owner_group TEXT,
            events      BIGINT      NOT NULL,
            updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """

    /// The name of the advisory lock every counting store holds shared while connected, and a rewrite of
    /// the counts exclusively (``PostgresRewriteLock``).
    static let countsLock = "foodcount.counts"

    /// The columns each table must have, with `information_schema`'s data types.
    static let requiredColumns: [String: [String: String]] = [
        "food_counts": ["category": "text", "count": "bigint"],
        "foodcount_offsets": [
            "consumer_group": "text", "topic": "text", "partition": "integer", "next_offset": "bigint",
            "topic_id": "text", "commits": "bigint", "counted": "bigint",
        ],
    ]

    /// Creates the missing tables (under an advisory lock, so that members starting together do not race)
    /// and checks that existing ones have the expected columns.
    static func prepare(_ transaction: PostgresSession.Transaction) throws(StoreError) {
        try transaction.run("SELECT pg_advisory_xact_lock(hashtext('foodcount.schema'))")
        for (table, create) in [
            ("food_counts", createCountsTable), ("foodcount_offsets", createOffsetsTable),
            ("foodcount_ledger", createLedgerTable),
        ] {
            let exists = try transaction.run("SELECT to_regclass(\(table)) IS NOT NULL")
            if try !decode(Bool.self, exists.first) {
                try transaction.run(PostgresQuery(unsafeSQL: create))
            }
        }

        let rows = try transaction.run(
            """
            SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name IN ('food_counts', 'foodcount_offsets')
            """)
        var found: [String: [String: String]] = [:]
        for row in rows {
            let (table, column, type) = try decode((String, String, String).self, row)
            found[table, default: [:]][column] = type
        }
        if found["foodcount_offsets"]?["commits"] == nil {  // added after the table's first release: the fencing token
            try transaction.run("ALTER TABLE foodcount_offsets ADD COLUMN commits BIGINT NOT NULL DEFAULT 0")
            found["foodcount_offsets"]?["commits"] = "bigint"
        }
        // Added later still: the partitions' counted totals. Existing rows get NULL, unknown, and a commit adds
        // to a known total only, so they stay unknown until a rebuild writes exact ones.
        if found["foodcount_offsets"] != nil, found["foodcount_offsets"]?["counted"] == nil {
            try transaction.run("ALTER TABLE foodcount_offsets ADD COLUMN counted BIGINT")
            found["foodcount_offsets"]?["counted"] = "bigint"
        }
        for (table, columns) in requiredColumns.sorted(by: { $0.key < $1.key }) {
            for (column, type) in columns.sorted(by: { $0.key < $1.key }) where found[table]?[column] != type {
                throw StoreError(
                    code: .incompatible,
                    message: "table \(table) has no \(type) column '\(column)' (found \(found[table] ?? [:])); "
                        + "see docs/deployment.md")
            }
        }
        // A database counted into before the ledger existed is adopted as it is (the store's start checks the
        // groups' offsets against the counts as before). Only when the row is missing: a role that may only read
        // opens the store, and its commits fail as read-only.
        let ledger = try transaction.run("SELECT EXISTS (SELECT 1 FROM foodcount_ledger WHERE id = 1)")
        if try !decode(Bool.self, ledger.first) {
            try transaction.run(
                "INSERT INTO foodcount_ledger (id, events) SELECT 1, COALESCE(sum(count), 0) FROM food_counts")
        }
    }

    /// Decodes a row, mapping a decoding failure to an `incompatible` store error.
    static func decode<each Column: PostgresDecodable>(
        _ type: (repeat each Column).Type, _ row: PostgresRow?
    ) throws(StoreError) -> (repeat each Column) {
        guard let row else { throw StoreError(code: .other, message: "the server returned no row") }
        do {
            return try row.decode(type)
        } catch {
            throw StoreError(code: .incompatible, message: "unexpected column types: \(error)")
        }
    }
}
