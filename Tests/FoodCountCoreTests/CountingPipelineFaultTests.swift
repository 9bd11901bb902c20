import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// Bad events and bad moments: dead letters, retries, pausing, readiness.
final class CountingPipelineFaultTests: XCTestCase {
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let fastRetry = RetryPolicy(initialDelay: .milliseconds(2), maxDelay: .milliseconds(10))

    private func record(_ offset: Int64, _ value: String?) -> SourceRecord {
        SourceRecord(partition: p0, offset: offset, value: value.map { Array($0.utf8) })
    }

    func testDeadLetteredOffsetIsStoredOnlyAfterTheSinkAcknowledges() throws {
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        let pipeline = CountingPipeline(source: InMemoryEventSource(), store: store, deadLetterSink: sink)
        _ = pipeline.partitionsAssigned([p0], logIDs: [:])
        pipeline.process([record(0, #"{"food": "soup"}"#), record(1, "garbage"), record(2, #"{"food": "taco"}"#)])
        sink.failNextSends(1)

        XCTAssertFalse(try pipeline.attemptFlush(waitingUntil: .now + .seconds(30)))
        XCTAssertEqual(store.currentOffsets, [:], "no offset may pass a dead letter the sink has not acknowledged")
        XCTAssertEqual(store.currentCounts, [:])
        XCTAssertFalse(pipeline.health.deadLetterWritable)

        XCTAssertTrue(try pipeline.attemptFlush(waitingUntil: .now + .seconds(30)))
        XCTAssertEqual(store.currentOffsets, [p0: 3])
        XCTAssertEqual(store.currentCounts, ["soup": 1, "taco": 1])
        XCTAssertEqual(sink.letters.map(\.record.offset), [1])
        XCTAssertEqual(sink.letters.first?.error.kind, .notJSON)
        XCTAssertEqual(pipeline.statistics.deadLettered, 1)
    }

    func testEveryBadEventKindIsDeadLetteredOnceWithItsKind() throws {
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        let pipeline = CountingPipeline(source: InMemoryEventSource(), store: store, deadLetterSink: sink)
        _ = pipeline.partitionsAssigned([p0], logIDs: [:])
        let bad: [(String?, EventDecodingError.Kind)] = [
            (nil, .tombstone), ("{", .notJSON), ("[1]", .notObject), ("{}", .missingField),
            (#"{"food": null}"#, .nullField), (#"{"food": 1}"#, .fieldNotString), (#"{"food": "  "}"#, .emptyCategory),
        ]
        pipeline.process(bad.enumerated().map { record(Int64($0.offset), $0.element.0) })
        pipeline.process([record(Int64(bad.count), #"{"food": "soup"}"#)])

        XCTAssertTrue(try pipeline.attemptFlush(waitingUntil: .now + .seconds(30)))

        XCTAssertEqual(sink.letters.map(\.error.kind), bad.map(\.1))
        XCTAssertEqual(store.currentCounts, ["soup": 1])
        XCTAssertEqual(store.currentOffsets, [p0: Int64(bad.count + 1)])
    }

    func testExhaustedRetryBudgetPausesReportsNotReadyAndRecoversWithoutLoss() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: (0..<20).map { #"{"food": "f\#($0 % 4)"}"# }, to: p0)
        let store = InMemoryCountStore()
        store.failNextCommits(with: Array(repeating: StoreError(code: .busy, message: "database is locked"), count: 40))
        let pipeline = CountingPipeline(
            source: source, store: store,
            configuration: .init(maxBatchDelay: .milliseconds(5), retry: fastRetry, retryBudget: .milliseconds(30)))
        let run = PipelineRun(pipeline)

        let degraded = eventuallyTrue(timeout: 5) { pipeline.health.retryBudgetExhausted }
        let wasPaused = source.pausedPartitions == [p0]
        let notReady = !pipeline.health.isReady
        let storeFlagged = !pipeline.health.storeWritable
        let nothingStored = store.currentOffsets.isEmpty
        let recovered = eventuallyTrue(timeout: 10) { pipeline.health.isReady && store.currentOffsets == [self.p0: 20] }
        run.stop(timeout: 5)

        XCTAssertTrue(degraded)
        XCTAssertTrue(wasPaused, "consumption must pause when the budget runs out")
        XCTAssertTrue(notReady)
        XCTAssertTrue(storeFlagged)
        XCTAssertTrue(nothingStored, "no offset advances while the store fails")
        XCTAssertTrue(recovered)
        XCTAssertEqual(source.pausedPartitions, [], "consumption resumes once commits succeed")
        XCTAssertEqual(store.currentCounts, ["f0": 5, "f1": 5, "f2": 5, "f3": 5])
    }

    func testTransientStoreFailuresNeverDeadLetterValidEvents() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: [#"{"food": "soup"}"#, "oops", #"{"food": "soup"}"#], to: p0)
        let store = InMemoryCountStore()
        store.failNextCommits(with: Array(repeating: StoreError(code: .io, message: "disk I/O error"), count: 5))
        let sink = InMemoryDeadLetterSink()
        let pipeline = CountingPipeline(
            source: source, store: store, deadLetterSink: sink,
            configuration: .init(maxBatchDelay: .milliseconds(5), retry: fastRetry))
        let run = PipelineRun(pipeline)

        let done = eventuallyTrue(timeout: 5) { store.currentOffsets == [self.p0: 3] }
        run.stop(timeout: 5)

        XCTAssertTrue(done)
        XCTAssertEqual(store.currentCounts, ["soup": 2])
        XCTAssertEqual(sink.letters.map(\.record.offset), [1], "only the bad event, and only once")
    }

    func testShutdownGivesUpOnAStoreThatKeepsFailingAndStoresNothing() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: [#"{"food": "soup"}"#], to: p0)
        let store = InMemoryCountStore()
        store.failNextCommits(with: Array(repeating: StoreError(code: .busy, message: "locked"), count: 10_000))
        let pipeline = CountingPipeline(
            source: source, store: store,
            configuration: .init(
                maxBatchDelay: .milliseconds(5), retry: fastRetry, shutdownRetryBudget: .milliseconds(100)))
        let run = PipelineRun(pipeline)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { pipeline.statistics.flushRetries > 0 })

        let stopping = Date()
        run.stop(timeout: 5)

        XCTAssertLessThan(Date().timeIntervalSince(stopping), 3)
        XCTAssertEqual(store.currentOffsets, [:])
        XCTAssertTrue(source.isClosed)
    }
}
