import FoodCountCore
import Foundation
import GRDB
import XCTest

@testable import SQLiteStore

/// The reader's bounded queries on a real file: they answer what the whole table would, without reading it.
final class SQLiteCountReaderQueryTests: XCTestCase {
    private var directory: URL!
    private var databasePath: String { directory.appendingPathComponent("foodcount.db").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A counts table holding these rows as they are (no store, so no category rule).
    private func write(_ rows: [(String, Int64)]) throws {
        let queue = try DatabaseQueue(path: databasePath)
        try queue.write { db in
            try db.execute(sql: CountsSchema.createCountsTable)
            for (category, count) in rows {
                try db.execute(sql: "INSERT INTO food_counts VALUES (?, ?)", arguments: [category, count])
            }
        }
    }

    func testEveryQueryAnswersWhatTheWholeTableSays() async throws {
        let counts: [String: Int64] = ["soup": 5, "pizza": 9, "taco": 5, "café": 2, "🍕": 9, "Z": 1, "a/b": 3]
        try write(counts.map { ($0.key, $0.value) })
        let reader = SQLiteCountReader(databasePath: databasePath)

        let sorted = try await reader.sortedCounts()
        XCTAssertEqual(sorted.counts, SortedCounts(counts), "in the categories' byte order")
        XCTAssertEqual(CountsJSON.encode(sorted.counts), CountsJSON.encode(counts))
        let some = try await reader.versionedCounts(of: ["pizza", "café", "missing"]).counts
        XCTAssertEqual(some, ["pizza": 9, "café": 2])
        let largest = try await reader.largestCounts(3).counts
        XCTAssertEqual(largest, ["pizza": 9, "🍕": 9, "soup": 5], "ties by category")
        XCTAssertEqual(largest, SortedCounts.largest(counts, limit: 3))
        let version = try await reader.currentVersion()
        XCTAssertEqual(sorted.version, version)
        try await reader.checkReadable()
    }

    func testAFullReadMergesRowsWrittenBeforeTheCategoryRule() async throws {
        // An older FoodCount could store both spellings of "café": composed (NFC) and decomposed (NFD).
        try write([("caf\u{E9}", 2), ("cafe\u{301}", 3), ("soup", 1)])
        let sorted = try await SQLiteCountReader(databasePath: databasePath).sortedCounts()
        XCTAssertEqual(sorted.counts.dictionary, ["caf\u{E9}": 5, "soup": 1])
        XCTAssertEqual(sorted.counts.count, 2, "one row per category in the answer")
    }

    func testTheStoreMergesRowsWrittenBeforeTheCategoryRuleOnceAtItsStart() async throws {
        let consumerPath = directory.appendingPathComponent("foodcount-consumer.db").path
        let configuration = SQLiteCountStore.Configuration(
            databasePath: databasePath, consumerDatabasePath: consumerPath, consumerGroup: "foodcount")
        let p0 = SourcePartition(topic: "message", partition: 0)
        try SQLiteCountStore(configuration: configuration).commit(
            CountBatch(
                deltas: ["caf\u{E9}": 2, "soup": 1], offsets: [p0: .init(expected: nil, next: 3)], eventCount: 3))
        // What an older FoodCount left: the decomposed spelling in a row of its own, in the ledger too.
        try await DatabaseQueue(path: databasePath).writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS consumer", arguments: [consumerPath])
            try db.inTransaction {
                try db.execute(sql: "INSERT INTO food_counts VALUES (?, 3)", arguments: ["cafe\u{301}"])
                try CountsLedger.ofCountsTable(db).store(db)
                return .commit
            }
        }
        _ = try SQLiteCountStore(configuration: configuration)

        let reader = SQLiteCountReader(databasePath: databasePath)
        let lookedUp = try await reader.versionedCounts(of: ["caf\u{E9}"]).counts
        XCTAssertEqual(lookedUp, ["caf\u{E9}": 5], "one row per category: a lookup sees every event")
        let rows = try await DatabaseQueue(path: databasePath).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM food_counts")
        }
        XCTAssertEqual(rows, 2)
        _ = try SQLiteCountStore(configuration: configuration)  // the ledger followed: the files still pair
    }

    func testReadinessFailsWithoutTheCountsTable() async throws {
        _ = try DatabaseQueue(path: databasePath)  // an empty file: no table
        do {
            try await SQLiteCountReader(databasePath: databasePath).checkReadable()
            XCTFail("a database without the counts table is not readable")
        } catch {
            XCTAssertTrue(error.message.contains("food_counts"), "\(error)")
        }
    }
}
