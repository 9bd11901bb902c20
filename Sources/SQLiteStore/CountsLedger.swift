import FoodCountCore
import Foundation
import GRDB

/// What the offsets file records of the counts it was committed with, so that the two files prove they
/// belong together: how many events the counts hold, and a fingerprint of the whole table.
///
/// The fingerprint is the sum over the rows of `count × h(category)` (wrapping, 64 bits), with `h` a fixed
/// hash of the category's bytes. Each commit adds its deltas to both figures in the same transaction as the
/// counts and offsets, so the figures always describe the committed table; at start the store computes them
/// from the table and compares. A lost, replaced or foreign offsets file, or a restored or edited counts
/// database, shows as a difference. See `docs/design.md` ("The two files prove they belong together").
struct CountsLedger: Equatable, CustomStringConvertible {
    /// The sum of all counts.
    var events: Int64 = 0
    /// The sum of `count × h(category)`, wrapping.
    var fingerprint: UInt64 = 0

    /// The table of the offsets file that holds the ledger: one row.
    static let createTable = """
        CREATE TABLE IF NOT EXISTS consumer.counts_ledger (
            id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            events      INTEGER NOT NULL,
            fingerprint INTEGER NOT NULL,
            updated_at  TEXT    NOT NULL
        )
        """

    /// Adds count deltas.
    mutating func add(_ delta: Int64, of category: String) {
        events += delta
        fingerprint &+= UInt64(bitPattern: delta) &* Self.hash(category.utf8)
    }

    /// The ledger of the counts table as it is now.
    static func ofCountsTable(_ db: Database) throws -> CountsLedger {
        var ledger = CountsLedger()
        let rows = try Row.fetchCursor(db, sql: #"SELECT CAST(category AS BLOB), "count" FROM main.food_counts"#)
        while let row = try rows.next() {
            let bytes: [UInt8] = (row[0] as Data?).map { Array($0) } ?? []
            let count: Int64 = row[1]
            ledger.events += count
            ledger.fingerprint &+= UInt64(bitPattern: count) &* hash(bytes)
        }
        return ledger
    }

    /// The ledger the offsets file recorded, or `nil` when it has none.
    static func stored(_ db: Database) throws -> CountsLedger? {
        guard let row = try Row.fetchOne(db, sql: "SELECT events, fingerprint FROM consumer.counts_ledger WHERE id = 1")
        else { return nil }
        let fingerprint: Int64 = row[1]
        return CountsLedger(events: row[0], fingerprint: UInt64(bitPattern: fingerprint))
    }

    /// Records the ledger in the offsets file.
    func store(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO consumer.counts_ledger (id, events, fingerprint, updated_at)
                VALUES (1, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                ON CONFLICT (id) DO UPDATE SET events = excluded.events, fingerprint = excluded.fingerprint,
                    updated_at = excluded.updated_at
                """,
            arguments: [events, Int64(bitPattern: fingerprint)])
    }

    var description: String { "\(events) events (fingerprint \(String(fingerprint, radix: 16)))" }

    /// FNV-1a over the bytes, then a 64-bit finalizer: stable across processes and versions, unlike
    /// `Hasher`.
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
