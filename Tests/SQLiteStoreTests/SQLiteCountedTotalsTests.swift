import FoodCountCore
import Foundation
import SQLiteStore
import TestSupport
import XCTest

/// Each partition's counted total lives beside its offset in the offsets file, written in the commit's
/// transaction, on real files; an offsets file of an older FoodCount keeps its totals unknown.
final class SQLiteCountedTotalsTests: XCTestCase {
    private var directory: URL!
    private var databasePath: String { directory.appendingPathComponent("foodcount.db").path }
    private var consumerPath: String { directory.appendingPathComponent("foodcount-consumer.db").path }
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let p1 = SourcePartition(topic: "message", partition: 1)

    override func setUpWithError() throws {
        directory = try TestEnvironment.temporaryDirectory("totals")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var configuration: SQLiteCountStore.Configuration {
        .init(databasePath: databasePath, consumerGroup: "foodcount")
    }

    private func sqlite(_ path: String, _ sql: String) throws -> String {
        try ChildProcess.run("/usr/bin/sqlite3", [path, sql]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The offsets file's rows as `partition|next_offset|counted` (an unknown total is empty).
    private func storedRows() throws -> String {
        try sqlite(consumerPath, "SELECT partition, next_offset, counted FROM consumer_offsets ORDER BY partition")
    }

    func testCountedTotalsAreWrittenWithTheOffsetsAndAFencedBatchAddsToNone() throws {
        let store = try SQLiteCountStore(configuration: configuration)
        defer { try? store.close() }
        try store.commit(
            CountBatch(
                deltas: ["soup": 7, "pizza": 1],
                offsets: [
                    p0: .init(expected: nil, next: 10, counted: 7), p1: .init(expected: nil, next: 2, counted: 1),
                ],
                eventCount: 12))
        try store.commit(
            CountBatch(deltas: ["soup": 3], offsets: [p0: .init(expected: 10, next: 14, counted: 3)], eventCount: 4))
        XCTAssertEqual(try storedRows(), "0|14|10\n1|2|1")
        XCTAssertEqual(try store.storedPositions(for: [p0, p1]).mapValues(\.counted), [p0: 10, p1: 1])

        // p0 is where the batch expects it, p1 is not: p0's offset and total may be written before p1 is found
        // stale, and the whole transaction must go.
        XCTAssertThrowsError(
            try store.commit(
                CountBatch(
                    deltas: ["soup": 5],
                    offsets: [
                        p0: .init(expected: 14, next: 20, counted: 5), p1: .init(expected: 9, next: 12, counted: 3),
                    ],
                    eventCount: 9))
        ) { error in
            XCTAssertEqual((error as? StoreError)?.code, .fenced)
        }
        XCTAssertEqual(
            try storedRows(), "0|14|10\n1|2|1", "the fenced batch's totals were rolled back with its offsets")

        let snapshot = try SQLiteCountFiles(configuration: configuration).snapshot()
        XCTAssertEqual(snapshot.counts, ["soup": 10, "pizza": 1])
        XCTAssertEqual(snapshot.offsets.map(\.counted), [10, 1], "the snapshot reads the totals with the offsets")
    }

    func testAnOffsetsFileOfAnOlderFoodCountKeepsItsTotalsUnknownAfterLaterCommits() throws {
        // An offsets file as FoodCount 0.2 left it: no counted column.
        let store = try SQLiteCountStore(configuration: configuration)
        try store.commit(
            CountBatch(deltas: ["soup": 7], offsets: [p0: .init(expected: nil, next: 7, counted: 7)], eventCount: 7))
        try store.close()
        _ = try sqlite(consumerPath, "ALTER TABLE consumer_offsets DROP COLUMN counted")
        XCTAssertFalse(try sqlite(consumerPath, "PRAGMA table_info(consumer_offsets)").contains("counted"))
        let files = SQLiteCountFiles(configuration: configuration)
        XCTAssertEqual(
            try files.snapshot().offsets.map(\.counted), [nil], "an unmigrated file reads as unknown, not as an error")

        let upgraded = try SQLiteCountStore(configuration: configuration)
        defer { try? upgraded.close() }
        XCTAssertEqual(try storedRows(), "0|7|", "the migration adds the column with unknown totals")
        try upgraded.commit(
            CountBatch(
                deltas: ["soup": 3, "pizza": 2],
                offsets: [p0: .init(expected: 7, next: 10, counted: 3), p1: .init(expected: nil, next: 2, counted: 2)],
                eventCount: 5))
        XCTAssertEqual(try storedRows(), "0|10|\n1|2|2", "an unknown total stays unknown; a new partition's starts")
        XCTAssertEqual(try upgraded.storedPositions(for: [p0, p1]).mapValues(\.counted), [p0: nil, p1: 2])
        XCTAssertEqual(try files.snapshot().offsets.map(\.counted), [nil, 2])
    }
}
