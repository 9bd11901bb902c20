import FoodCountCore
import Foundation
import PostgresStore
import TestSupport
import XCTest

/// Each partition's counted total lives beside its offset in `foodcount_offsets`, written in the commit's
/// transaction; a table of an older FoodCount gets the column with unknown totals, which stay unknown.
final class PostgresCountedTotalsTests: XCTestCase {
    private let p0 = SourcePartition(topic: "totals", partition: 0)
    private let p1 = SourcePartition(topic: "totals", partition: 1)

    /// The offsets rows as `partition|next_offset|counted` (an unknown total is `-`).
    private func storedRows(_ database: PostgresTestDatabase) throws -> [String] {
        try database.execute(
            """
            SELECT partition || '|' || next_offset || '|' || COALESCE(counted::text, '-') FROM foodcount_offsets
            ORDER BY partition
            """)
    }

    func testCountedTotalsAreWrittenWithTheOffsetsAndAFencedBatchAddsToNone() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let configuration = PostgresCountStore.Configuration(location: database.location, consumerGroup: "g")
        let store = try PostgresCountStore(configuration: configuration)
        defer { store.close() }
        try store.commit(
            CountBatch(
                deltas: ["soup": 7, "pizza": 1],
                offsets: [
                    p0: .init(expected: nil, next: 10, counted: 7), p1: .init(expected: nil, next: 2, counted: 1),
                ],
                eventCount: 12))
        try store.commit(
            CountBatch(deltas: ["soup": 3], offsets: [p0: .init(expected: 10, next: 14, counted: 3)], eventCount: 4))
        XCTAssertEqual(try storedRows(database), ["0|14|10", "1|2|1"])
        XCTAssertEqual(try store.storedPositions(for: [p0, p1]).mapValues(\.counted), [p0: 10, p1: 1])

        // p0 (updated first: partitions in order) is where the batch expects it, p1 is not: all of it goes.
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
        XCTAssertEqual(try storedRows(database), ["0|14|10", "1|2|1"], "rolled back with the offsets")

        let snapshot = try PostgresCountsDatabase(configuration: configuration).snapshot()
        XCTAssertEqual(snapshot.counts, ["soup": 10, "pizza": 1])
        XCTAssertEqual(snapshot.offsets.map(\.counted), [10, 1], "the snapshot reads the totals with the offsets")
    }

    func testATableOfAnOlderFoodCountGetsTheColumnWithUnknownTotalsThatStayUnknown() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let configuration = PostgresCountStore.Configuration(location: database.location, consumerGroup: "g")
        let store = try PostgresCountStore(configuration: configuration)
        try store.commit(
            CountBatch(deltas: ["soup": 7], offsets: [p0: .init(expected: nil, next: 7, counted: 7)], eventCount: 7))
        store.close()
        // The table as FoodCount 0.2 left it: no counted column.
        _ = try database.execute("ALTER TABLE foodcount_offsets DROP COLUMN counted")
        let databaseView = PostgresCountsDatabase(configuration: configuration)
        defer { databaseView.close() }
        XCTAssertEqual(
            try databaseView.snapshot().offsets.map(\.counted), [nil], "an unmigrated table reads as unknown")

        let upgraded = try PostgresCountStore(configuration: configuration)
        defer { upgraded.close() }
        XCTAssertEqual(try storedRows(database), ["0|7|-"], "the migration adds the column with unknown totals")
        try upgraded.commit(
            CountBatch(
                deltas: ["soup": 3, "pizza": 2],
                offsets: [p0: .init(expected: 7, next: 10, counted: 3), p1: .init(expected: nil, next: 2, counted: 2)],
                eventCount: 5))
        XCTAssertEqual(
            try storedRows(database), ["0|10|-", "1|2|2"], "unknown stays unknown; a new partition's starts")
        XCTAssertEqual(try upgraded.storedPositions(for: [p0, p1]).mapValues(\.counted), [p0: nil, p1: 2])
        XCTAssertEqual(try databaseView.snapshot().offsets.map(\.counted), [nil, 2])
    }
}
