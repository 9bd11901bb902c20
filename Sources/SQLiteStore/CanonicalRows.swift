import FoodCountCore
import Foundation
import GRDB

/// Merges the rows of a counts table written before the category rule (``CategoryForm``): an older FoodCount
/// could store a category under two spellings, composed (NFC) and decomposed. Each other spelling's count
/// is added to the canonical row and its row deleted, and the ledger follows, in the store's start
/// transaction: once, so that the readers may rely on one canonical row per category.
enum CanonicalRows {
    /// Merges every row whose category is not canonical into its canonical row.
    /// - Returns: How many rows were merged.
    static func merge(_ db: Database, ledger: inout CountsLedger) throws -> Int {
        var spellings: [(String, Int64)] = []
        let rows = try Row.fetchCursor(db, sql: #"SELECT CAST(category AS BLOB), "count" FROM main.food_counts"#)
        while let row = try rows.next() {
            guard let bytes = row[0] as Data?, bytes.contains(where: { $0 >= 0x80 }) else { continue }  // ASCII is NFC
            let category = String(decoding: bytes, as: UTF8.self)
            if !CategoryForm.isCanonical(category) { spellings.append((category, row[1])) }
        }
        for (category, count) in spellings {
            let canonical = CategoryForm.canonical(category)
            try db.execute(
                sql: """
                    INSERT INTO main.food_counts (category, "count") VALUES (?, ?)
                    ON CONFLICT (category) DO UPDATE SET "count" = "count" + excluded."count"
                    """,
                arguments: [canonical, count])
            try db.execute(sql: "DELETE FROM main.food_counts WHERE category = ?", arguments: [category])
            ledger.add(-count, of: category)
            ledger.add(count, of: canonical)
        }
        return spellings.count
    }
}
