import Synchronization
import XCTest

@testable import FoodCountCore

final class RecordCounterTests: XCTestCase {
    private let partition = SourcePartition(topic: "food", partition: 0)

    func testDecodesARepeatedValueOnce() {
        let decoder = CountingDecoder()
        var counter = RecordCounter(decoder: decoder)
        var aggregator = BatchAggregator()

        count(Array(repeating: "soup", count: 100), from: 0, counter: &counter, into: &aggregator)

        XCTAssertEqual(decoder.decodes, 1)
        XCTAssertEqual(aggregator.deltas(of: partition), ["soup": 100])
    }

    func testACacheFilledWithoutHitsRestsThenTriesAgain() {
        let decoder = CountingDecoder()
        var counter = RecordCounter(decoder: decoder)
        var aggregator = BatchAggregator()
        // More distinct values than the table keeps before it clears, none seen twice: the clear finds no hit.
        let distinct = (0...DecodedValueCache.capacity / 2).map { "category-\($0)" }
        count(distinct, from: 0, counter: &counter, into: &aggregator)
        let afterDistinct = decoder.decodes

        // Resting: a repeated value is decoded every time, for restRecords records.
        count(Array(repeating: "soup", count: 100), from: Int64(distinct.count), counter: &counter, into: &aggregator)
        XCTAssertEqual(decoder.decodes - afterDistinct, 100)

        // After the rest the cache remembers values again.
        let rest = RecordCounter.restRecords
        count(
            Array(repeating: "soup", count: rest), from: Int64(distinct.count + 100), counter: &counter,
            into: &aggregator)
        let afterRest = decoder.decodes
        count(
            Array(repeating: "salad", count: 100), from: Int64(distinct.count + 100 + rest), counter: &counter,
            into: &aggregator)
        XCTAssertEqual(decoder.decodes - afterRest, 1)

        let deltas = aggregator.deltas(of: partition)
        XCTAssertEqual(deltas["soup"], Int64(100 + rest))
        XCTAssertEqual(deltas["salad"], 100)
        XCTAssertEqual(deltas.count, distinct.count + 2)
        XCTAssertEqual(aggregator.nextOffset(for: partition), Int64(distinct.count + 200 + rest))
    }

    func testACacheWithHitsDoesNotRest() {
        let decoder = CountingDecoder()
        var counter = RecordCounter(decoder: decoder)
        var aggregator = BatchAggregator()
        // Each distinct value comes twice: as many hits as insertions when the table clears.
        let values = (0...DecodedValueCache.capacity / 2).flatMap { ["c\($0)", "c\($0)"] }
        count(values, from: 0, counter: &counter, into: &aggregator)
        let before = decoder.decodes

        count(Array(repeating: "soup", count: 100), from: Int64(values.count), counter: &counter, into: &aggregator)

        XCTAssertEqual(decoder.decodes - before, 1)
    }

    private func count(
        _ categories: [String], from offset: Int64, counter: inout RecordCounter, into aggregator: inout BatchAggregator
    ) {
        let records = categories.enumerated().map { index, category in
            SourceRecord(
                partition: partition, offset: offset + Int64(index), value: Array(#"{"food": "\#(category)"}"#.utf8))
        }
        for run in SourceRecordRun.runs(of: records) {
            let outcome = counter.count(run, floor: nil, into: &aggregator)
            XCTAssertTrue(outcome.rejected.isEmpty)
        }
    }
}

/// The JSON decoder, counting its decodes.
private final class CountingDecoder: EventDecoder {
    private let inner = JSONEventDecoder()
    private let count = Atomic(0)

    var decodes: Int { count.load(ordering: .relaxed) }
    var isDeterministic: Bool { true }

    func decode(_ value: UnsafeRawBufferPointer?) throws(EventDecodingError) -> FoodEvent {
        count.add(1, ordering: .relaxed)
        return try inner.decode(value)
    }
}
