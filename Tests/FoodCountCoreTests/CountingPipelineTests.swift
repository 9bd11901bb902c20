import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// The pipeline's ordering rules, with the in-memory source and store.
final class CountingPipelineTests: XCTestCase {
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let p1 = SourcePartition(topic: "message", partition: 1)

    private func events(_ foods: [String]) -> [String] { foods.map { "{\"food\": \"\($0)\"}" } }

    private func makePipeline(
        _ source: InMemoryEventSource, _ store: InMemoryCountStore,
        _ configuration: CountingPipeline.Configuration = .init(maxBatchDelay: .seconds(60))
    ) -> CountingPipeline {
        CountingPipeline(source: source, store: store, configuration: configuration)
    }

    /// Runs the pipeline on a thread until the source is drained and everything is committed, then stops it.
    private func runUntilDrained(
        _ pipeline: CountingPipeline, _ source: InMemoryEventSource, timeout: TimeInterval = 10
    ) throws {
        let finished = expectation(description: "pipeline returned")
        let failure = LockedBox<(any Error)?>(nil)
        let returned = LockedBox(false)
        Thread {
            do { try pipeline.run() } catch { failure.value = error }
            returned.value = true
            finished.fulfill()
        }.start()
        let deadline = Date().addingTimeInterval(timeout)
        while !(source.isDrained && source.pollCount > 2), !returned.value, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        pipeline.requestStop()
        wait(for: [finished], timeout: timeout)
        if let error = failure.value { throw error }
    }

    func testBatchDeltasAndOffsetsAreCommittedTogetherInOneTransaction() throws {
        let source = InMemoryEventSource(assignOnStart: [p0, p1])
        source.append(strings: events(["soup", "soup", "pizza"]), to: p0)
        source.append(strings: events(["soup", "taco"]), to: p1)
        let store = InMemoryCountStore()

        try runUntilDrained(makePipeline(source, store), source)

        XCTAssertEqual(store.committedBatches.count, 1)
        XCTAssertEqual(store.committedBatches.first?.deltas, ["soup": 3, "pizza": 1, "taco": 1])
        XCTAssertEqual(
            store.committedBatches.first?.offsets,
            [p0: .init(expected: nil, next: 3), p1: .init(expected: nil, next: 2)])
        XCTAssertEqual(store.currentOffsets, [p0: 3, p1: 2])
        XCTAssertEqual(source.committedOffsets, [p0: 3, p1: 2], "Kafka hears of progress after the store")
        XCTAssertTrue(source.isClosed)
    }

    func testNoOffsetIsStoredWhenTheStoreRefusesTheBatch() {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: events(["soup", "pizza"]), to: p0)
        let store = InMemoryCountStore()
        store.failNextCommits(with: [StoreError(code: .corrupt, message: "disk image is malformed")])

        XCTAssertThrowsError(try runUntilDrained(makePipeline(source, store), source)) { error in
            XCTAssertEqual((error as? StoreError)?.code, .corrupt)
        }
        XCTAssertEqual(store.currentCounts, [:])
        XCTAssertEqual(store.currentOffsets, [:])
        XCTAssertEqual(source.committedOffsets, [:], "nothing reaches Kafka before the store commits")
    }

    func testRevokeFlushesPendingBatchBeforeReturning() {
        let store = InMemoryCountStore()
        let pipeline = makePipeline(InMemoryEventSource(), store)
        _ = pipeline.partitionsAssigned([p0, p1], logIDs: [:])
        pipeline.process([record(p0, 0, "soup"), record(p1, 0, "taco"), record(p0, 1, "soup")])
        XCTAssertEqual(store.currentCounts, [:], "nothing is flushed before the batch is due")

        pipeline.partitionsRevoked([p0], lost: false)

        XCTAssertEqual(store.currentCounts, ["soup": 2, "taco": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 2, p1: 1])
    }

    func testLostAssignmentDropsOnlyTheLostPartitionsWork() throws {
        let store = InMemoryCountStore()
        let pipeline = makePipeline(InMemoryEventSource(), store)
        _ = pipeline.partitionsAssigned([p0, p1], logIDs: [:])
        pipeline.process([record(p0, 0, "soup"), record(p1, 0, "taco")])

        pipeline.partitionsRevoked([p0], lost: true)
        _ = try pipeline.attemptFlush(waitingUntil: .now + .seconds(30))

        XCTAssertEqual(store.currentCounts, ["taco": 1])
        XCTAssertEqual(store.currentOffsets, [p1: 1])
    }

    func testRecordsOfPartitionsNotOwnedAreDroppedNotCounted() throws {
        let store = InMemoryCountStore()
        let pipeline = makePipeline(InMemoryEventSource(), store)
        _ = pipeline.partitionsAssigned([p0], logIDs: [:])
        pipeline.process([record(p0, 0, "soup"), record(p1, 0, "taco")])
        _ = try pipeline.attemptFlush(waitingUntil: .now + .seconds(30))

        XCTAssertEqual(store.currentCounts, ["soup": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 1])
        XCTAssertEqual(pipeline.statistics.recordsDropped, 1)
    }

    func testAssignmentStartsEachPartitionAtTheStoredOffset() throws {
        let source = InMemoryEventSource(assignOnStart: [p0, p1])
        source.append(strings: events(["a", "b", "c", "d", "e"]), to: p0)
        source.append(strings: events(["x", "y"]), to: p1)
        let store = InMemoryCountStore(offsets: [p0: 3])

        try runUntilDrained(makePipeline(source, store), source)

        XCTAssertEqual(store.currentCounts, ["d": 1, "e": 1, "x": 1, "y": 1])
        XCTAssertEqual(store.committedBatches.first?.offsets[p0], .init(expected: 3, next: 5))
    }

    func testTransientStoreFailuresAreRetriedAndNothingIsLost() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: events(["soup", "soup", "taco"]), to: p0)
        let store = InMemoryCountStore()
        store.failNextCommits(with: [
            StoreError(code: .busy, message: "database is locked"), StoreError(code: .io, message: "disk I/O error"),
        ])
        let retry = RetryPolicy(initialDelay: .milliseconds(1), maxDelay: .milliseconds(5))
        let pipeline = makePipeline(source, store, .init(maxBatchDelay: .seconds(60), retry: retry))

        try runUntilDrained(pipeline, source)

        XCTAssertEqual(store.currentCounts, ["soup": 2, "taco": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 3])
        XCTAssertEqual(pipeline.statistics.flushRetries, 2)
    }

    func testFencedPartitionIsDroppedAndTheOthersStillCommit() throws {
        let store = InMemoryCountStore()
        let pipeline = makePipeline(InMemoryEventSource(), store)
        _ = pipeline.partitionsAssigned([p0, p1], logIDs: [:])
        pipeline.process([record(p0, 0, "soup"), record(p1, 0, "taco")])
        store.setOffset(40, for: p0)  // another member counted p0 meanwhile

        _ = try pipeline.attemptFlush(waitingUntil: .now + .seconds(30))

        XCTAssertEqual(store.currentCounts, ["taco": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 40, p1: 1])
        XCTAssertEqual(pipeline.statistics.batchesFenced, 1)
        pipeline.process([record(p0, 1, "soup")])
        _ = try pipeline.attemptFlush(waitingUntil: .now + .seconds(30))
        XCTAssertEqual(store.currentCounts, ["taco": 1], "a fenced partition is no longer counted")
    }

    func testRepeatedValuesAreCountedEachTimeAndRepeatedInvalidValuesAreRejectedEachTime() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        let soup = Array("{\"food\": \"soup\"}".utf8)
        let bad = Array("{\"food\": 1}".utf8)
        source.append([soup, bad, soup, soup, bad, Array("{\"food\": \"SOUP\"}".utf8)], to: p0)
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        let pipeline = CountingPipeline(
            source: source, store: store, deadLetterSink: sink, configuration: .init(maxBatchDelay: .seconds(60)))

        try runUntilDrained(pipeline, source)

        XCTAssertEqual(store.currentCounts, ["soup": 4])
        XCTAssertEqual(store.currentOffsets, [p0: 6])
        XCTAssertEqual(sink.letters.map(\.record.offset), [1, 4])
        XCTAssertEqual(pipeline.statistics.eventsInvalid, 2)
    }

    func testADecoderThatIsNotDeterministicDecodesEveryRepeatedValue() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(Array(repeating: Array("same bytes".utf8), count: 3), to: p0)
        let store = InMemoryCountStore()
        let pipeline = CountingPipeline(
            source: source, store: store, decoder: NumberingDecoder(),
            configuration: .init(maxBatchDelay: .seconds(60)))

        try runUntilDrained(pipeline, source)

        XCTAssertEqual(store.currentCounts, ["call-1": 1, "call-2": 1, "call-3": 1])
    }

    func testInvalidEventsAreSkippedButTheirOffsetsAdvance() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append([Array("{\"food\": \"soup\"}".utf8), Array("not json".utf8), nil, Array("{}".utf8)], to: p0)
        let store = InMemoryCountStore()
        let pipeline = makePipeline(source, store)

        try runUntilDrained(pipeline, source)

        XCTAssertEqual(store.currentCounts, ["soup": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 4])
        XCTAssertEqual(pipeline.statistics.eventsInvalid, 3)
    }

    func testBatchIsFlushedWhenItReachesMaxEvents() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: events(Array(repeating: "soup", count: 35)), to: p0)
        let store = InMemoryCountStore()
        let pipeline = makePipeline(
            source, store, .init(maxBatchEvents: 10, maxBatchDelay: .seconds(60), pollBatchSize: 10))

        try runUntilDrained(pipeline, source)

        // A batch commits at 10 events, or with more while the one before is still committing; the last one
        // may commit short when the source is caught up.
        let sizes = store.committedBatches.map(\.eventCount)
        XCTAssertEqual(sizes.first, 10, "the first batch commits at its size")
        XCTAssertTrue(sizes.dropLast().allSatisfy { $0 >= 10 }, "no batch commits short before the end: \(sizes)")
        XCTAssertEqual(store.committedBatches.map { $0.deltas["soup"] }, sizes.map { Int64($0) })
        XCTAssertEqual(
            store.committedBatches.map { $0.offsets[p0]?.next },
            sizes.indices.map { Int64?(Int64(sizes[...$0].reduce(0, +))) },
            "each batch stores exactly the offsets of the events it counts")
        XCTAssertEqual(store.currentCounts, ["soup": 35])
    }

    func testBatchIsFlushedWhenItsOldestEventReachesMaxDelay() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: events(["soup"]), to: p0)
        let store = InMemoryCountStore()
        let pipeline = makePipeline(source, store, .init(maxBatchDelay: .milliseconds(50), idleFlushDelay: nil))
        let stop = start(pipeline)

        let flushedWhileRunning = eventuallyTrue(timeout: 2) { store.currentCounts == ["soup": 1] }

        stop()
        XCTAssertTrue(flushedWhileRunning, "a lone event must be committed within the delay, not only at shutdown")
    }

    func testCaughtUpSourceIsCommittedAtOnceWithoutWaitingForAnIdlePoll() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: events(["soup", "taco"]), to: p0)
        let store = InMemoryCountStore()
        let configuration = CountingPipeline.Configuration(
            maxBatchDelay: .seconds(60), idleFlushDelay: .seconds(3), pollTimeout: .seconds(5))
        let pipeline = makePipeline(source, store, configuration)
        let stop = start(pipeline)

        let flushed = eventuallyTrue(timeout: 1) { store.currentOffsets == [self.p0: 2] }

        stop()
        XCTAssertTrue(flushed, "the source read everything: the idle poll (3 s) and the age rule (60 s) need not wait")
    }

    func testOffsetGoingBackAfterALogResetIsStoredAsTheNewPosition() throws {
        let store = InMemoryCountStore(offsets: [p0: 50])
        let pipeline = makePipeline(InMemoryEventSource(), store)
        _ = pipeline.partitionsAssigned([p0], logIDs: [:])
        pipeline.process([record(p0, 0, "soup"), record(p0, 1, "soup")])
        _ = try pipeline.attemptFlush(waitingUntil: .now + .seconds(30))

        XCTAssertEqual(store.currentCounts, ["soup": 2], "records of a reset log are new records")
        XCTAssertEqual(store.currentOffsets, [p0: 2])
    }

    private func record(_ partition: SourcePartition, _ offset: Int64, _ food: String) -> SourceRecord {
        SourceRecord(partition: partition, offset: offset, value: Array("{\"food\": \"\(food)\"}".utf8))
    }
}

func eventuallyTrue(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return condition()
}

/// A decoder whose result changes with every call, so it must not be memoized.
final class NumberingDecoder: EventDecoder, @unchecked Sendable {
    private var calls = 0

    func decode(_ value: UnsafeRawBufferPointer?) throws(EventDecodingError) -> FoodEvent {
        calls += 1
        return FoodEvent(category: "call-\(calls)")
    }
}

extension XCTestCase {
    /// Starts the pipeline on a thread; the returned closure stops it, waits for it to return and fails the
    /// test if it threw.
    func start(_ pipeline: CountingPipeline, file: StaticString = #filePath, line: UInt = #line) -> () -> Void {
        let run = PipelineRun(pipeline)
        return { run.stop(file: file, line: line) }
    }
}

final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
