import FoodCountCore
import GRDB

/// The contract's SQL: the API's counts table, and the consumer's own offsets table.
///
/// The counts table belongs to the API. The consumer writes rows to it but never alters its structure;
/// it creates it only when it is missing, with exactly this statement (see `docs/contract.md`).
public enum CountsSchema {
    /// The counts table's name.
    public static let countsTable = "food_counts"

    /// The statement that creates the counts table: the contract's schema.
    public static let createCountsTable = """
        CREATE TABLE IF NOT EXISTS food_counts (
            category TEXT    NOT NULL PRIMARY KEY,
            count    INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0)
        )
        """

    /// The consumer's offsets table, in the consumer-owned database attached as `consumer`.
    static let createOffsetsTable = """
        CREATE TABLE IF NOT EXISTS consumer.consumer_offsets (
            consumer_group TEXT    NOT NULL,
            topic          TEXT    NOT NULL,
            partition      INTEGER NOT NULL,
            next_offset    INTEGER NOT NULL,
            updated_at     TEXT    NOT NULL,
            topic_id       TEXT,
            commits        INTEGER NOT NULL DEFAULT 0,
            counted        INTEGER,
            PRIMARY KEY (consumer_group, topic, partition)
        )
        """

    /// Adds the offsets table's columns that an older FoodCount created it without: `topic_id` (the log each
    /// offset belongs to, Kafka's topic ID), `commits` (how many commits moved it: the fencing token) and
    /// `counted` (how many valid events of the partition the counts hold; NULL, unknown, for the rows an older
    /// FoodCount counted: a commit adds to a known total only, so it stays unknown until a rebuild).
    static func addColumnsIfMissing(_ db: Database) throws {
        try addMissingColumns(
            ["topic_id": "TEXT", "commits": "INTEGER NOT NULL DEFAULT 0", "counted": "INTEGER"],
            to: "consumer_offsets", db)
    }

    /// Adds each of `columns` (name: declaration) that the offsets file's `table` lacks.
    static func addMissingColumns(_ columns: KeyValuePairs<String, String>, to table: String, _ db: Database) throws {
        let existing = Set(
            try Row.fetchAll(db, sql: "PRAGMA consumer.table_info(\(table))").map {
                ($0["name"] as String).lowercased()
            })
        for (name, declaration) in columns where !existing.contains(name) {
            try db.execute(sql: "ALTER TABLE consumer.\(table) ADD COLUMN \(name) \(declaration)")
        }
    }

    /// The columns the counts table must have, with their declared types.
    static let requiredColumns: [String: String] = ["category": "TEXT", "count": "INTEGER"]

    /// Checks that an existing counts table has the contract's columns.
    static func verifyCountsTable(_ db: Database) throws(StoreError) {
        let sql = "PRAGMA main.table_info(food_counts)"
        let rows: [Row]
        do {
            rows = try Row.fetchAll(db, sql: sql)
        } catch {
            throw StoreError(from: error, context: "reading the counts table's structure")
        }
        var columns: [String: String] = [:]
        for row in rows {
            let name: String = row["name"]
            let type: String = row["type"]
            columns[name.lowercased()] = type.uppercased()
        }
        for (name, type) in requiredColumns where columns[name] != type {
            throw StoreError(
                code: .incompatible,
                message: "table food_counts has no \(type) column '\(name)' (found \(columns)); see docs/contract.md")
        }
    }
}
