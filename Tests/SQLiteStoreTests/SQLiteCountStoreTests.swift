import FoodCountCore
import Foundation
import SQLiteStore
import TestSupport
import XCTest

/// The SQLite store against real database files in a temporary folder.
final class SQLiteCountStoreTests: XCTestCase {
    private var directory: URL!
    private var databasePath: String { directory.appendingPathComponent("foodcount.db").path }
    private var consumerPath: String { directory.appendingPathComponent("foodcount-consumer.db").path }
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let p1 = SourcePartition(topic: "message", partition: 1)

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeStore(group: String = "foodcount") throws -> SQLiteCountStore {
        try SQLiteCountStore(configuration: .init(databasePath: databasePath, consumerGroup: group))
    }

    private func sqlite(_ path: String, _ sql: String) throws -> String {
        try ChildProcess.run("/usr/bin/sqlite3", [path, sql]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testCommitAppliesDeltasAndOffsetsTogether() throws {
        let store = try makeStore()
        try store.commit(
            CountBatch(
                deltas: ["sandwich": 3, "soup": 1],
                offsets: [p0: .init(expected: nil, next: 10), p1: .init(expected: nil, next: 4)], eventCount: 4))
        try store.commit(
            CountBatch(deltas: ["sandwich": 2], offsets: [p0: .init(expected: 10, next: 12)], eventCount: 2))

        XCTAssertEqual(
            try sqlite(databasePath, "SELECT category, count FROM food_counts ORDER BY category"), "sandwich|5\nsoup|1")
        XCTAssertEqual(try store.storedOffsets(for: [p0, p1]), [p0: 12, p1: 4])
        XCTAssertTrue(FileManager.default.fileExists(atPath: consumerPath), "offsets live in the consumer's own file")
        XCTAssertEqual(try sqlite(databasePath, "SELECT name FROM sqlite_master WHERE type = 'table'"), "food_counts")
    }

    func testFailingStatementRollsBackOffsetsWithCounts() throws {
        let store = try makeStore()
        try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)], eventCount: 1))

        // The contract's CHECK (count >= 0) fails on the second delta, after the first was written.
        XCTAssertThrowsError(
            try store.commit(
                CountBatch(deltas: ["soup": 5, "zzz": -1], offsets: [p0: .init(expected: 1, next: 7)], eventCount: 6)))

        XCTAssertEqual(try sqlite(databasePath, "SELECT category, count FROM food_counts"), "soup|1")
        XCTAssertEqual(try store.storedOffsets(for: [p0]), [p0: 1])
    }

    func testAFailingStatementKeepsSQLitesCodeAndStatementInTheUnderlyingError() throws {
        let store = try makeStore()
        do {
            try store.commit(
                CountBatch(deltas: ["soup": -1], offsets: [p0: .init(expected: nil, next: 1)], eventCount: 1))
            XCTFail("a negative count must fail the counts table's CHECK")
        } catch {
            XCTAssertEqual(error.code, .other)
            let sqlite = try XCTUnwrap(error.underlying as? SQLiteError, "\(error)")
            XCTAssertEqual(sqlite.extendedResultCode, 275, "SQLITE_CONSTRAINT_CHECK")
            XCTAssertEqual(sqlite.primaryResultCode, 19, "SQLITE_CONSTRAINT")
            XCTAssertTrue(sqlite.sql?.contains("INSERT INTO main.food_counts") == true, "\(sqlite)")
            XCTAssertTrue("\(error)".contains(" [code 275] sql=INSERT INTO main.food_counts"), "\(error)")
        }
    }

    func testTheFirstCommitsGroupOwnsTheCountsAndAnotherGroupIsRefusedAtStartAndAtCommit() throws {
        let early = try makeStore(group: "b")  // opened before anything was counted: admitted at start
        try makeStore(group: "a").commit(
            CountBatch(deltas: ["soup": 3], offsets: [p0: .init(expected: nil, next: 3)], eventCount: 3))

        XCTAssertThrowsError(
            try early.commit(CountBatch(deltas: ["soup": 1], offsets: [p1: .init(expected: nil, next: 1)]))
        ) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent)
            XCTAssertTrue("\(error)".contains("belong to consumer group 'a', not 'b'"), "\(error)")
        }
        XCTAssertThrowsError(try makeStore(group: "b")) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent)
            XCTAssertTrue("\(error)".contains("CONSUMER_GROUP=a"), "the way out: \(error)")
        }
        XCTAssertEqual(try sqlite(databasePath, "SELECT sum(count) FROM food_counts"), "3", "b counted nothing")
    }

    func testRefusesAWALModeDatabaseAndSaysWhy() throws {
        _ = try sqlite(databasePath, "PRAGMA journal_mode=WAL; CREATE TABLE t(x);")
        XCTAssertThrowsError(try makeStore()) { error in
            XCTAssertEqual((error as? StoreError)?.code, .incompatible)
            XCTAssertTrue("\(error)".contains("journal_mode=wal"), "\(error)")
            XCTAssertTrue("\(error)".contains("atomically"), "\(error)")
        }
    }

    func testRefusesACountsTableOfAnotherShape() throws {
        _ = try sqlite(databasePath, "CREATE TABLE food_counts (name TEXT PRIMARY KEY, total REAL);")
        XCTAssertThrowsError(try makeStore()) { error in
            XCTAssertEqual((error as? StoreError)?.code, .incompatible)
        }
        XCTAssertEqual(
            try sqlite(databasePath, "SELECT sql FROM sqlite_master WHERE name = 'food_counts'"),
            "CREATE TABLE food_counts (name TEXT PRIMARY KEY, total REAL)", "the API's table is never altered")
    }

    func testUncreatableFolderFailsWithReadOnlyCodeAndNamesIt() throws {
        // A plain file where the folder should be: no permission bits involved, so this holds for root too.
        let blocker = directory.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)
        let path = blocker.appendingPathComponent("sub/foodcount.db").path
        XCTAssertThrowsError(try SQLiteCountStore(configuration: .init(databasePath: path))) { error in
            XCTAssertEqual((error as? StoreError)?.code, .readOnly)
            XCTAssertTrue("\(error)".contains(blocker.path), "\(error)")
        }
    }

    func testReaderServesCountsAndReportsAMissingDatabase() async throws {
        let reader = SQLiteCountReader(databasePath: databasePath)
        do {
            _ = try await reader.counts()
            XCTFail("a missing database must be an error")
        } catch {
            XCTAssertEqual(error.code, .unavailable)
        }

        let store = try makeStore()
        try store.commit(CountBatch(deltas: ["pizza": 2], offsets: [p0: .init(expected: nil, next: 2)], eventCount: 2))

        let counts = try await reader.counts()
        XCTAssertEqual(counts, ["pizza": 2])
    }

    func testReaderReportsACorruptDatabase() async throws {
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: databasePath))
        let reader = SQLiteCountReader(databasePath: databasePath)
        do {
            _ = try await reader.counts()
            XCTFail("a corrupt database must be an error")
        } catch {
            XCTAssertEqual(error.code, .corrupt)
        }
    }
}
