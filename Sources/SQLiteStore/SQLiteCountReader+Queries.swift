import FoodCountCore
import GRDB
import GRDBSQLite

/// The bounded reads the API serves at any number of categories: one category by the primary key, the
/// largest counts by one ordered query, the whole table as compact sorted rows. They rely on the stores'
/// rule of one canonical row per category; a full read that meets a row written before that rule merges
/// the table instead (`foodcount rebuild` merges it once for good: `docs/operations.md`).
extension SQLiteCountReader {
    /// Implements `CountReader.sortedCounts`: one scan of the table, no string made per row, then sorted by
    /// the categories' bytes (SQLite's `BINARY` order).
    public func sortedCounts() async throws(StoreError) -> (counts: SortedCounts, version: String?) {
        let read = try await reading("reading counts") { db -> SortedCounts? in
            let statement = try db.makeStatement(sql: #"SELECT category, "count" FROM food_counts"#)
            let handle = statement.sqliteStatement
            var counts = SortedCounts()
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: code),
                        message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                let length = Int(sqlite3_column_bytes(handle, 0))
                let category = UnsafeBufferPointer(start: sqlite3_column_text(handle, 0), count: length)
                if category.contains(where: { $0 >= 0x80 }),
                    !CategoryForm.isCanonical(String(decoding: category, as: UTF8.self))
                {
                    return nil  // a row written before the category rule
                }
                counts.append(bytes: category, sqlite3_column_int64(handle, 1))
            }
            return counts
        }
        if let counts = read.counts { return (SortedCounts(sorting: counts), read.version) }
        let (merged, version) = try await versionedCounts()
        return (SortedCounts(merged), version)
    }

    /// Implements `CountReader.versionedCounts(of:)`: primary-key lookups.
    public func versionedCounts(of categories: [String]) async throws(StoreError) -> (
        counts: [String: Int64], version: String?
    ) {
        let read = try await reading("reading counts") { db in
            var counts: [String: Int64] = [:]
            var rest = categories[...]
            while !rest.isEmpty {  // within SQLite's limit of bound variables
                let chunk = Array(rest.prefix(500))
                rest = rest.dropFirst(chunk.count)
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let sql = #"SELECT category, "count" FROM food_counts WHERE category IN ("# + marks + ")"
                for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                    counts[row[0]] = row[1] as Int64
                }
            }
            return counts
        }
        return (read.counts, read.version)
    }

    /// Implements `CountReader.largestCounts`: one ordered query with a limit.
    public func largestCounts(_ limit: Int) async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        let read = try await reading("reading the largest counts") { db in
            var counts: [String: Int64] = [:]
            let sql = #"SELECT category, "count" FROM food_counts ORDER BY "count" DESC, category LIMIT ?"#
            for row in try Row.fetchAll(db, sql: sql, arguments: [max(0, limit)]) { counts[row[0]] = row[1] as Int64 }
            return counts
        }
        return (read.counts, read.version)
    }

    /// Implements `CountReader.checkReadable`: the table answers one row.
    public func checkReadable() async throws(StoreError) {
        _ = try await reading("reading counts") { db in try Int.fetchOne(db, sql: "SELECT 1 FROM food_counts LIMIT 1") }
    }
}
