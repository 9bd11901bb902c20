import FoodCountCore
import XCTest

final class BatchAggregatorTests: XCTestCase {
    private let p0 = SourcePartition(topic: "t", partition: 0)
    private let p1 = SourcePartition(topic: "t", partition: 1)

    func testMergesPartitionDeltasAndKeepsNextOffsetPerPartition() {
        var aggregator = BatchAggregator()
        aggregator.count("soup", partition: p0, offset: 4)
        aggregator.count("soup", partition: p1, offset: 9)
        aggregator.skip(partition: p0, offset: 5)
        aggregator.count("taco", partition: p0, offset: 6)

        let batch = aggregator.makeBatch(expected: [p0: 4, p1: nil])

        XCTAssertEqual(batch.deltas, ["soup": 2, "taco": 1])
        XCTAssertEqual(
            batch.offsets,
            [p0: .init(expected: 4, next: 7, counted: 2), p1: .init(expected: nil, next: 10, counted: 1)],
            "each partition's counted events, the skipped record left out")
        XCTAssertEqual(batch.eventCount, 4)
        XCTAssertEqual(aggregator.countedCount, 3)
    }

    func testCountingManyAtOnceEqualsCountingOneByOne() {
        var oneByOne = BatchAggregator()
        var atOnce = BatchAggregator()
        for offset in Int64(10)..<Int64(13) { oneByOne.count("soup", partition: p0, offset: offset) }
        oneByOne.count("taco", partition: p1, offset: 2)
        atOnce.count("soup", times: 3, partition: p0, lastOffset: 12)
        atOnce.count("taco", times: 1, partition: p1, lastOffset: 2)
        atOnce.count("pie", times: 0, partition: p1, lastOffset: 99)

        XCTAssertEqual(atOnce.makeBatch(expected: [:]), oneByOne.makeBatch(expected: [:]))
        XCTAssertEqual(atOnce.countedCount, 4)
        XCTAssertEqual(atOnce.nextOffset(for: p0), 13)
    }

    func testRemovingAPartitionForgetsItsShareOnly() {
        var aggregator = BatchAggregator()
        aggregator.count("soup", partition: p0, offset: 0)
        aggregator.count("soup", partition: p0, offset: 1)
        aggregator.count("taco", partition: p1, offset: 0)

        aggregator.remove([p0])

        XCTAssertEqual(aggregator.makeBatch(expected: [:]).deltas, ["taco": 1])
        XCTAssertEqual(aggregator.recordCount, 1)
        XCTAssertEqual(aggregator.countedCount, 1)
    }

    func testMergingAnEarlierBatchBackAddsItsDeltasAndKeepsTheLaterOffsets() {
        var earlier = BatchAggregator()
        earlier.count("soup", partition: p0, offset: 0)
        earlier.skip(partition: p0, offset: 1)
        earlier.count("taco", partition: p1, offset: 7)
        var later = BatchAggregator()
        later.count("soup", partition: p0, offset: 2)
        later.count("pie", partition: p0, offset: 3)
        var together = BatchAggregator()
        together.count("soup", partition: p0, offset: 0)
        together.skip(partition: p0, offset: 1)
        together.count("soup", partition: p0, offset: 2)
        together.count("pie", partition: p0, offset: 3)
        together.count("taco", partition: p1, offset: 7)

        later.merge(earlier: earlier)

        XCTAssertEqual(later.makeBatch(expected: [p0: 0]), together.makeBatch(expected: [p0: 0]))
        XCTAssertEqual(later.makeBatch(expected: [:]).offsets[p0]?.next, 4, "the later batch's position wins")
        XCTAssertEqual(later.makeBatch(expected: [:]).offsets[p1]?.next, 8, "a partition only the earlier one had")
        XCTAssertEqual(later.makeBatch(expected: [:]).offsets[p0]?.counted, 3, "both batches' counted events")
        XCTAssertEqual(later.recordCount, 5)
        XCTAssertEqual(later.countedCount, 4)
        later.remove([p0])
        XCTAssertEqual(later.recordCount, 1, "per-partition record counts were merged too")
    }

    func testResetEmptiesTheBatch() {
        var aggregator = BatchAggregator()
        aggregator.count("soup", partition: p0, offset: 0)
        aggregator.reset()
        XCTAssertTrue(aggregator.isEmpty)
        XCTAssertEqual(aggregator.makeBatch(expected: [:]), CountBatch())
    }
}
