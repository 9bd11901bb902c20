import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// The pipeline's ordering rules, stepped with the in-memory source and store.
final class CountingPipelineTests: XCTestCase {
    func testBatchDeltasAndOffsetsAreCommittedTogetherInOneTransaction() throws {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(assign: [p0, p1], store: store)
        run.source.append(strings: foods(["soup", "soup", "pizza"]), to: p0)
        run.source.append(strings: foods(["soup", "taco"]), to: p1)

        run.drain()
        run.stop()

        XCTAssertEqual(store.committedBatches.count, 1)
        XCTAssertEqual(store.committedBatches.first?.deltas, ["soup": 3, "pizza": 1, "taco": 1])
        XCTAssertEqual(
            store.committedBatches.first?.offsets,
            [p0: .init(expected: nil, next: 3, counted: 3), p1: .init(expected: nil, next: 2, counted: 2)])
        XCTAssertEqual(store.currentOffsets, [p0: 3, p1: 2])
        XCTAssertEqual(store.database.countedTotals(of: "foodcount"), [p0: 3, p1: 2], "totals beside the offsets")
        XCTAssertEqual(run.source.committedOffsets, [p0: 3, p1: 2], "Kafka hears of progress after the store")
        XCTAssertTrue(run.source.isClosed)
    }

    func testNoOffsetIsStoredWhenTheStoreRefusesTheBatch() {
        let store = InMemoryCountStore()
        store.failNextCommits(with: [StoreError(code: .corrupt, message: "disk image is malformed")])
        let run = SteppedPipeline(store: store)
        run.source.append(strings: foods(["soup", "pizza"]), to: p0)

        run.run("the pipeline stops") { run.stepper.hasStopped }

        XCTAssertEqual((run.stepper.error as? StoreError)?.code, .corrupt)
        XCTAssertEqual(store.currentCounts, [:])
        XCTAssertEqual(store.currentOffsets, [:])
        XCTAssertEqual(run.source.committedOffsets, [:], "nothing reaches Kafka before the store commits")
        XCTAssertTrue(run.source.isClosed)
    }

    func testRevokeFlushesPendingBatchBeforeReturning() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(
            assign: [p0, p1], store: store, configuration: .init(maxBatchDelay: .seconds(60), idleFlushDelay: nil))
        run.source.reportsCaughtUp = false
        run.source.append(strings: foods(["soup", "soup"]), to: p0)
        run.source.append(strings: foods(["taco"]), to: p1)
        run.run { run.statistics.recordsPolled == 3 }
        XCTAssertEqual(store.currentCounts, [:], "nothing is flushed before the batch is due")

        run.source.revoke([p0])
        run.run { run.source.assignment == [p1] }

        XCTAssertEqual(store.currentCounts, ["soup": 2, "taco": 1], "committed before the revocation returned")
        XCTAssertEqual(store.currentOffsets, [p0: 2, p1: 1])
    }

    func testLostAssignmentDropsOnlyTheLostPartitionsWork() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(
            assign: [p0, p1], store: store, configuration: .init(maxBatchDelay: .seconds(60), idleFlushDelay: nil))
        run.source.reportsCaughtUp = false
        run.source.append(strings: foods(["soup"]), to: p0)
        run.source.append(strings: foods(["taco"]), to: p1)
        run.run { run.statistics.recordsPolled == 2 }

        run.source.revoke([p0], lost: true)
        run.run { run.source.assignment == [p1] }
        run.stop()

        XCTAssertEqual(store.currentCounts, ["taco": 1])
        XCTAssertEqual(store.currentOffsets, [p1: 1])
    }

    func testRecordsOfPartitionsNotOwnedAreDroppedNotCounted() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(assign: [], store: store)
        _ = run.pipeline.partitionsAssigned([p0], logIDs: [:])
        run.pipeline.process([record(p0, 0, #"{"food": "soup"}"#), record(p1, 0, #"{"food": "taco"}"#)])
        run.stop()

        XCTAssertEqual(store.currentCounts, ["soup": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 1])
        XCTAssertEqual(run.statistics.recordsDropped, 1)
    }

    func testAssignmentStartsEachPartitionAtTheStoredOffset() {
        let store = InMemoryCountStore(offsets: [p0: 3])
        let run = SteppedPipeline(assign: [p0, p1], store: store)
        run.source.append(strings: foods(["a", "b", "c", "d", "e"]), to: p0)
        run.source.append(strings: foods(["x", "y"]), to: p1)

        run.drain()
        run.stop()

        XCTAssertEqual(store.currentCounts, ["d": 1, "e": 1, "x": 1, "y": 1])
        XCTAssertEqual(
            store.committedBatches.first?.offsets[p0], .init(expected: 3, next: 5, expectedVersion: 0, counted: 2))
        XCTAssertEqual(
            store.database.countedTotals(of: "foodcount"), [p1: 2], "p0's offset was set from outside: total unknown")
    }

    func testTransientStoreFailuresAreRetriedAndNothingIsLost() {
        let store = InMemoryCountStore()
        store.failNextCommits(with: [
            StoreError(code: .busy, message: "database is locked"), StoreError(code: .io, message: "disk I/O error"),
        ])
        let run = SteppedPipeline(store: store)
        run.source.append(strings: foods(["soup", "soup", "taco"]), to: p0)

        run.drain()
        run.stop()

        XCTAssertEqual(store.currentCounts, ["soup": 2, "taco": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 3])
        XCTAssertEqual(run.statistics.flushRetries, 2)
    }

    func testFencedPartitionIsDroppedAndTheOthersStillCommit() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(assign: [], store: store)
        _ = run.pipeline.partitionsAssigned([p0, p1], logIDs: [:])
        run.pipeline.process([record(p0, 0, #"{"food": "soup"}"#), record(p1, 0, #"{"food": "taco"}"#)])
        store.setOffset(40, for: p0)  // another member counted p0 meanwhile

        run.run { store.currentOffsets[p1] == 1 }

        XCTAssertEqual(store.currentCounts, ["taco": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 40, p1: 1])
        XCTAssertEqual(run.statistics.batchesFenced, 1)
        run.run("the fenced partition moves to its stored offset") { run.source.seeks == [[p0: .offset(40)]] }
        run.pipeline.process([record(p0, 1, #"{"food": "soup"}"#)])
        run.stop()
        XCTAssertEqual(store.currentCounts, ["taco": 1], "a record below the stored offset is not counted")
    }

    func testRepeatedValuesAreCountedEachTimeAndRepeatedInvalidValuesAreRejectedEachTime() {
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        let run = SteppedPipeline(store: store, deadLetterSink: sink)
        let soup = Array("{\"food\": \"soup\"}".utf8)
        let bad = Array("{\"food\": 1}".utf8)
        run.source.append([soup, bad, soup, soup, bad, Array("{\"food\": \"SOUP\"}".utf8)], to: p0)

        run.drain()
        run.stop()

        XCTAssertEqual(store.currentCounts, ["soup": 4])
        XCTAssertEqual(store.currentOffsets, [p0: 6])
        XCTAssertEqual(store.database.countedTotals(of: "foodcount"), [p0: 4], "the dead letters are not counted")
        XCTAssertEqual(sink.letters.map(\.record.offset), [1, 4])
        XCTAssertEqual(run.statistics.eventsInvalid, 2)
    }

    func testADecoderThatIsNotDeterministicDecodesEveryRepeatedValue() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(store: store, decoder: NumberingDecoder())
        run.source.append(Array(repeating: Array("same bytes".utf8), count: 3), to: p0)

        run.drain()
        run.stop()

        XCTAssertEqual(store.currentCounts, ["call-1": 1, "call-2": 1, "call-3": 1])
    }

    func testInvalidEventsAreSkippedButTheirOffsetsAdvance() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(store: store)
        run.source.append([Array("{\"food\": \"soup\"}".utf8), Array("not json".utf8), nil, Array("{}".utf8)], to: p0)

        run.drain()
        run.stop()

        XCTAssertEqual(store.currentCounts, ["soup": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 4])
        XCTAssertEqual(run.statistics.eventsInvalid, 3)
    }

    func testBatchIsFlushedWhenItReachesMaxEvents() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(
            store: store, configuration: .init(maxBatchEvents: 10, maxBatchDelay: .seconds(60), pollBatchSize: 10))
        run.source.reportsCaughtUp = false
        run.source.append(strings: soups(35), to: p0)

        run.drain()
        run.stop()

        // A batch commits at 10 events; the last one commits short, at the shutdown.
        let sizes = store.committedBatches.map(\.eventCount)
        XCTAssertEqual(sizes, [10, 10, 10, 5], "each batch commits at its size")
        XCTAssertEqual(store.committedBatches.map { $0.deltas["soup"] }, sizes.map { Int64($0) })
        XCTAssertEqual(store.committedBatches.map { $0.offsets[p0]?.next }, [10, 20, 30, 35])
        XCTAssertEqual(store.currentCounts, ["soup": 35])
    }

    func testBatchIsFlushedWhenItsOldestEventReachesMaxDelay() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(
            store: store, configuration: .init(maxBatchDelay: .milliseconds(50), idleFlushDelay: nil))
        run.source.append(strings: foods(["soup"]), to: p0)

        run.run("a lone event is committed within the delay, not only at shutdown") {
            store.currentCounts == ["soup": 1]
        }

        XCTAssertGreaterThanOrEqual(run.elapsed, .milliseconds(50))
        XCTAssertLessThan(run.elapsed, .milliseconds(100))
        XCTAssertFalse(run.stepper.hasStopped)
    }

    func testCaughtUpSourceIsCommittedAtOnceWithoutWaitingForAnIdlePoll() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(
            store: store,
            configuration: .init(maxBatchDelay: .seconds(60), idleFlushDelay: .seconds(3), pollTimeout: .seconds(5)))
        run.source.append(strings: foods(["soup", "taco"]), to: p0)

        run.run { store.currentOffsets == [p0: 2] }

        XCTAssertEqual(run.elapsed, .zero, "the source read everything: neither the idle poll nor the age rule waits")
    }

    func testARecordBelowThePartitionsPositionIsNeverCountedAgain() {
        let store = InMemoryCountStore(offsets: [p0: 50])
        let run = SteppedPipeline(assign: [], store: store)
        _ = run.pipeline.partitionsAssigned([p0], logIDs: [:])
        run.pipeline.process([record(p0, 0, #"{"food": "soup"}"#), record(p0, 1, #"{"food": "soup"}"#)])
        run.pipeline.process([record(p0, 50, #"{"food": "taco"}"#), record(p0, 49, #"{"food": "soup"}"#)])
        run.stop()

        XCTAssertEqual(store.currentCounts, ["taco": 1], "only the source moves back, never the count")
        XCTAssertEqual(store.currentOffsets, [p0: 51])
        XCTAssertEqual(run.statistics.duplicatesDropped, 3)
    }
}
