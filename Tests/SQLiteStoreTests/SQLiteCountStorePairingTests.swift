import FoodCountCore
import Foundation
import SQLiteStore
import TestSupport
import XCTest

/// The counts database and the offsets file prove that they belong together, and the store refuses to
/// commit to files that no longer can: replaced, deleted, or switched to WAL while it runs.
final class SQLiteCountStorePairingTests: XCTestCase {
    private var directory: URL!
    private var databasePath: String { directory.appendingPathComponent("foodcount.db").path }
    private var consumerPath: String { directory.appendingPathComponent("foodcount-consumer.db").path }
    private let p0 = SourcePartition(topic: "message", partition: 0)

    override func setUpWithError() throws {
        directory = try TestEnvironment.temporaryDirectory("pairing")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeStore(group: String = "foodcount") throws -> SQLiteCountStore {
        try SQLiteCountStore(configuration: .init(databasePath: databasePath, consumerGroup: group))
    }

    /// A store that counted 10 events (soup 7, pizza 3), closed.
    private func countTen() throws {
        let store = try makeStore()
        try store.commit(
            CountBatch(deltas: ["soup": 7, "pizza": 3], offsets: [p0: .init(expected: nil, next: 10)], eventCount: 10))
        try store.close()
    }

    private func sqlite(_ path: String, _ sql: String) throws {
        let result = try ChildProcess.run("/usr/bin/sqlite3", [path, sql])
        XCTAssertEqual(result.status, 0, result.output)
    }

    private func assertRefused(
        _ expression: @autoclosure () throws -> SQLiteCountStore, mentioning words: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent, "\(error)", file: file, line: line)
            for word in words {
                XCTAssertTrue("\(error)".contains(word), "\(word) missing from: \(error)", file: file, line: line)
            }
            XCTAssertFalse("\(error)".contains("\n"), "one line: \(error)", file: file, line: line)
        }
    }

    func testACountsFileRestoredInPlaceUnderARunningStoreIsRefusedAtTheNextCommit() throws {
        let store = try makeStore()
        try store.commit(CountBatch(deltas: ["soup": 7], offsets: [p0: .init(expected: nil, next: 7)], eventCount: 7))
        let backup = directory.appendingPathComponent("backup.db").path
        try FileManager.default.copyItem(atPath: databasePath, toPath: backup)
        try store.commit(CountBatch(deltas: ["soup": 3], offsets: [p0: .init(expected: 7, next: 10)], eventCount: 3))
        let inode = try FileManager.default.attributesOfItem(atPath: databasePath)[.systemFileNumber] as? Int

        // `cp backup.db foodcount.db`: the same inode, the old content (7 soups, while the offsets say 10).
        let result = try ChildProcess.run("/bin/cp", [backup, databasePath])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: databasePath)[.systemFileNumber] as? Int, inode)

        XCTAssertThrowsError(
            try store.commit(
                CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 10, next: 11)], eventCount: 1))
        ) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent, "\(error)")
            XCTAssertTrue("\(error)".contains("changed behind the consumer"), "\(error)")
            XCTAssertTrue("\(error)".contains("7 events"), "both figures: \(error)")
        }
        XCTAssertEqual(try makeStoreRefusal(), .inconsistent, "and the next start refuses the pair too")
    }

    func testACountsFileTouchedWithoutChangingItsCountsIsNotRefused() throws {
        let store = try makeStore()
        try store.commit(CountBatch(deltas: ["soup": 7], offsets: [p0: .init(expected: nil, next: 7)], eventCount: 7))
        try sqlite(databasePath, "VACUUM;")  // rewrites the file: another change counter, the same counts

        try store.commit(CountBatch(deltas: ["soup": 3], offsets: [p0: .init(expected: 7, next: 10)], eventCount: 3))
        XCTAssertEqual(try store.storedOffsets(for: [p0]), [p0: 10])
    }

    /// The code a new store is refused with, if any.
    private func makeStoreRefusal() throws -> StoreError.Code? {
        do {
            _ = try makeStore()
            return nil
        } catch let error as StoreError {
            return error.code
        }
    }

    func testFreshFilesAndReopenedFilesOpen() throws {
        try countTen()
        XCTAssertEqual(try makeStore().storedOffsets(for: [p0]), [p0: 10])
    }

    func testCountsWithoutTheirOffsetsFileAreRefused() throws {
        try countTen()
        try FileManager.default.removeItem(atPath: consumerPath)
        assertRefused(try makeStore(), mentioning: ["10 events", "no record", "docs/operations.md"])
    }

    func testARenamedConsumerGroupIsRefusedWhileTheCountsHoldEvents() throws {
        try countTen()
        assertRefused(try makeStore(group: "renamed"), mentioning: ["'renamed'", "'foodcount'", "CONSUMER_GROUP"])
    }

    func testAnOlderCopyOfTheCountsIsRefused() throws {
        try countTen()
        let copy = directory.appendingPathComponent("backup.db").path
        try FileManager.default.copyItem(atPath: databasePath, toPath: copy)
        let store = try makeStore()
        try store.commit(CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: 10, next: 12)], eventCount: 2))
        try store.close()
        try FileManager.default.removeItem(atPath: databasePath)
        try FileManager.default.copyItem(atPath: copy, toPath: databasePath)
        assertRefused(try makeStore(), mentioning: ["holds 10 events", "recorded 12 events"])
    }

    func testACountEditedByHandEvenWithTheSameTotalIsRefused() throws {
        try countTen()
        try sqlite(
            databasePath,
            "UPDATE food_counts SET count = count - 1 WHERE category = 'soup';"
                + "UPDATE food_counts SET count = count + 1 WHERE category = 'pizza'")
        assertRefused(try makeStore(), mentioning: ["fingerprint"])
    }

    func testAnOffsetsFileOfAnOlderFoodCountIsAdopted() throws {
        try countTen()
        try sqlite(consumerPath, "DROP TABLE counts_ledger")
        XCTAssertEqual(try makeStore().storedOffsets(for: [p0]), [p0: 10])
        try sqlite(databasePath, "UPDATE food_counts SET count = 99")
        XCTAssertThrowsError(try makeStore(), "once adopted, the ledger holds the files together")
    }

    func testACommitToACountsDatabaseReplacedWhileTheStoreRunsIsRefused() throws {
        try countTen()
        let store = try makeStore()
        let replacement = directory.appendingPathComponent("other.db").path
        try FileManager.default.copyItem(atPath: databasePath, toPath: replacement)
        XCTAssertEqual(rename(replacement, databasePath), 0)
        XCTAssertThrowsError(
            try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 10, next: 11)]))
        ) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent)
            XCTAssertTrue("\(error)".contains("replaced"), "\(error)")
        }
    }

    func testACommitAfterTheOffsetsFileWasDeletedIsRefused() throws {
        let store = try makeStore()
        try FileManager.default.removeItem(atPath: consumerPath)
        XCTAssertThrowsError(
            try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)])))
        XCTAssertFalse(FileManager.default.fileExists(atPath: consumerPath), "no new offsets file appears")
    }

    func testAFileSwitchedToWALWhileTheStoreRunsStopsCommitsUntilItIsSwitchedBack() throws {
        for offsetsFile in [false, true] {
            try tearDownWithError()
            try setUpWithError()
            let path = offsetsFile ? consumerPath : databasePath
            let store = try makeStore()
            try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)]))
            try sqlite(path, "PRAGMA journal_mode=WAL")

            let batch = CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 1, next: 2)])
            XCTAssertThrowsError(try store.commit(batch)) { error in
                XCTAssertEqual((error as? StoreError)?.code, .notAtomic, "\(path): \(error)")
                XCTAssertTrue((error as? StoreError)?.isTransient == true)
                XCTAssertTrue("\(error)".contains("journal_mode=wal"), "\(error)")
            }
            XCTAssertThrowsError(try store.commit(batch), "still refused while \(path) is in WAL")
            // The store keeps no connection open to the WAL file, so that it can be converted back.
            try sqlite(path, "PRAGMA journal_mode=DELETE")
            try store.commit(batch)
            XCTAssertEqual(try store.storedOffsets(for: [p0]), [p0: 2])
        }
    }

    func testCanonicallyEqualSpellingsAreOneRowAndTheReaderMergesOlderRows() async throws {
        let store = try makeStore()
        try store.commit(CountBatch(deltas: ["cafe\u{301}": 2], offsets: [p0: .init(expected: nil, next: 2)]))
        try store.commit(CountBatch(deltas: ["caf\u{E9}": 3], offsets: [p0: .init(expected: 2, next: 5)]))
        let rows = try ChildProcess.run(
            "/usr/bin/sqlite3", [databasePath, "SELECT hex(category), count FROM food_counts"])
        XCTAssertEqual(rows.output.trimmingCharacters(in: .whitespacesAndNewlines), "636166C3A9|5", "one NFC row")

        // A row an older FoodCount wrote in NFD is summed with the NFC one, never dropped.
        try sqlite(databasePath, "INSERT INTO food_counts VALUES (x'63616665CC81', 4)")
        let counts = try await SQLiteCountReader(databasePath: databasePath).counts()
        XCTAssertEqual(counts.values.reduce(0, +), 9)
        XCTAssertEqual(counts.keys.map { Array($0.utf8) }, [Array("caf\u{E9}".utf8)])
    }

    func testTheReaderServesAReplacedDatabaseFile() async throws {
        try countTen()
        let reader = SQLiteCountReader(databasePath: databasePath)
        let before = try await reader.counts()
        XCTAssertEqual(before, ["soup": 7, "pizza": 3])
        let other = directory.appendingPathComponent("other.db").path
        try sqlite(
            other,
            "CREATE TABLE food_counts (category TEXT NOT NULL PRIMARY KEY, count INTEGER NOT NULL);"
                + "INSERT INTO food_counts VALUES ('bagel', 1)")
        XCTAssertEqual(rename(other, databasePath), 0)
        let after = try await reader.counts()
        XCTAssertEqual(after, ["bagel": 1])
        try FileManager.default.removeItem(atPath: databasePath)
        do {
            _ = try await reader.counts()
            XCTFail("a deleted database is not served")
        } catch {
            XCTAssertEqual(error.code, .unavailable)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: databasePath), "the reader never creates it")
    }
}
