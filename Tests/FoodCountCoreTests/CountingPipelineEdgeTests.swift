import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// The pipeline at the edges of exactly-once, with the in-memory source and store: stored offsets moved
/// behind a member's back, logs recreated under stored offsets, dead-letter writes that never end.
final class CountingPipelineEdgeTests: XCTestCase {
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let p1 = SourcePartition(topic: "message", partition: 1)
    private let fastRetry = RetryPolicy(initialDelay: .milliseconds(2), maxDelay: .milliseconds(10))

    private func foods(_ names: [String]) -> [String] { names.map { #"{"food": "\#($0)"}"# } }

    func testAFencedPartitionContinuesFromTheStoredOffsetInsteadOfStalling() {
        let source = InMemoryEventSource(assignOnStart: [p0, p1])
        source.append(strings: foods(Array(repeating: "soup", count: 10)), to: p0)
        let store = InMemoryCountStore()
        let pipeline = CountingPipeline(
            source: source, store: store, configuration: .init(maxBatchDelay: .milliseconds(5), retry: fastRetry))
        let stop = start(pipeline)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.currentOffsets[self.p0] == 10 })

        // Someone moves p0's stored offset on by 5 (another member that counted 10..<15, or a person).
        store.setOffset(15, for: p0)
        source.append(strings: foods(Array(repeating: "skipped", count: 5) + ["pizza", "pizza", "taco"]), to: p0)
        source.append(strings: foods(["bagel"]), to: p1)

        let followed = eventuallyTrue(timeout: 5) { store.currentOffsets[self.p0] == 18 }
        stop()
        XCTAssertTrue(followed, "p0 must go on from its stored offset 15 to the log end 18, not stall at 15")
        XCTAssertEqual(store.currentCounts, ["soup": 10, "pizza": 2, "taco": 1, "bagel": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 18, p1: 1])
        XCTAssertEqual(pipeline.statistics.batchesFenced, 1)
    }

    func testAStoredOffsetThatVanishesBehindTheMembersBackStopsThePipeline() {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: foods(["soup"]), to: p0)
        let store = InMemoryCountStore()
        let pipeline = CountingPipeline(
            source: source, store: store, configuration: .init(maxBatchDelay: .milliseconds(5), retry: fastRetry))
        let run = PipelineRun(pipeline)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.currentOffsets[self.p0] == 1 })

        store.setOffset(nil, for: p0)
        source.append(strings: foods(["pizza"]), to: p0)

        XCTAssertTrue(eventuallyTrue(timeout: 5) { run.hasReturned }, "no guess where to continue")
        XCTAssertEqual((run.error as? StoreError)?.code, .inconsistent)
        XCTAssertEqual(store.currentCounts, ["soup": 1])
    }

    func testAPartitionWhoseLogWasRecreatedIsCountedFromTheNewLogsBeginning() throws {
        let store = InMemoryCountStore()
        try store.commit(CountBatch(offsets: [p0: .init(expected: nil, next: 100, logID: "old-topic-id")]))
        let source = InMemoryEventSource()
        source.append(strings: foods(["soup", "soup", "pizza"]), to: p0)
        source.assign([p0], logIDs: [p0: "new-topic-id"])

        let pipeline = CountingPipeline(
            source: source, store: store, configuration: .init(maxBatchDelay: .milliseconds(5)))
        let stop = start(pipeline)
        let counted = eventuallyTrue(timeout: 5) { store.currentOffsets[self.p0] == 3 }
        stop()

        XCTAssertTrue(counted, "the new log starts at 0, below the old log's stored offset 100")
        XCTAssertEqual(store.currentCounts, ["soup": 2, "pizza": 1])
        XCTAssertEqual(try store.storedLogIDs(for: [p0]), [p0: "new-topic-id"], "the new log's ID is stored with it")
    }

    func testAPartitionOfTheSameLogStartsAtItsStoredOffset() throws {
        let store = InMemoryCountStore()
        try store.commit(CountBatch(offsets: [p0: .init(expected: nil, next: 2, logID: "topic-id")]))
        let source = InMemoryEventSource()
        source.append(strings: foods(["counted", "counted", "pizza"]), to: p0)
        source.assign([p0], logIDs: [p0: "topic-id"])

        let pipeline = CountingPipeline(
            source: source, store: store, configuration: .init(maxBatchDelay: .milliseconds(5)))
        let stop = start(pipeline)
        let counted = eventuallyTrue(timeout: 5) { store.currentOffsets[self.p0] == 3 }
        stop()

        XCTAssertTrue(counted)
        XCTAssertEqual(store.currentCounts, ["pizza": 1])
    }

    func testADeadLetterWriteThatNeverAnswersEndsWithTheStopAndStoresNothingPastIt() {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: foods(["soup"]) + ["not json"] + foods(["pizza"]), to: p0)
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        sink.hang()
        let pipeline = CountingPipeline(
            source: source, store: store, deadLetterSink: sink,
            configuration: .init(
                maxBatchDelay: .milliseconds(5), retry: fastRetry, shutdownRetryBudget: .milliseconds(300),
                deadLetterTimeout: .seconds(60)))
        let run = PipelineRun(pipeline)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { sink.sendCount >= 1 })

        let stopping = ContinuousClock.now
        run.stop(timeout: 10)
        let took = ContinuousClock.now - stopping

        XCTAssertLessThan(took, .seconds(2), "a 60 s dead-letter wait must not hold a stop with a 300 ms budget")
        XCTAssertEqual(store.currentOffsets, [:], "nothing past an unacknowledged dead letter is stored")
        XCTAssertEqual(sink.letters, [])

        // The next run writes it (the DLQ may hold it twice, the counts never).
        sink.answer()
        let again = InMemoryEventSource(assignOnStart: [p0])
        again.append(strings: foods(["soup"]) + ["not json"] + foods(["pizza"]), to: p0)
        let stop = start(
            CountingPipeline(
                source: again, store: store, deadLetterSink: sink, configuration: .init(maxBatchDelay: .milliseconds(5))
            ))
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.currentOffsets == [self.p0: 3] })
        stop()
        XCTAssertEqual(store.currentCounts, ["soup": 1, "pizza": 1])
        XCTAssertEqual(sink.letters.map(\.record.offset), [1])
    }
}
