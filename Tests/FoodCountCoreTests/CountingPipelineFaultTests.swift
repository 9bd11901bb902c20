import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// Bad events and bad moments: dead letters, retries, pausing, readiness.
final class CountingPipelineFaultTests: XCTestCase {
    func testDeadLetteredOffsetIsStoredOnlyAfterTheSinkAcknowledges() {
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        let run = SteppedPipeline(store: store, deadLetterSink: sink)
        run.source.append(strings: [#"{"food": "soup"}"#, "garbage", #"{"food": "taco"}"#], to: p0)
        sink.failNextSends(1)

        run.run { run.statistics.deadLetterFailures == 1 }
        XCTAssertEqual(store.currentOffsets, [:], "no offset may pass a dead letter the sink has not acknowledged")
        XCTAssertEqual(store.currentCounts, [:])
        XCTAssertFalse(run.pipeline.health.deadLetterWritable)

        run.run { store.currentOffsets == [p0: 3] }
        XCTAssertEqual(store.currentCounts, ["soup": 1, "taco": 1])
        XCTAssertEqual(sink.letters.map(\.record.offset), [1])
        XCTAssertEqual(sink.letters.first?.error.kind, .notJSON)
        XCTAssertEqual(run.statistics.deadLettered, 1)
        XCTAssertTrue(run.pipeline.health.deadLetterWritable)
        run.stop()
    }

    func testEveryBadEventKindIsDeadLetteredOnceWithItsKind() {
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        let run = SteppedPipeline(store: store, deadLetterSink: sink)
        let bad: [(String?, EventDecodingError.Kind)] = [
            (nil, .tombstone), ("{", .notJSON), ("[1]", .notObject), ("{}", .missingField),
            (#"{"food": null}"#, .nullField), (#"{"food": 1}"#, .fieldNotString), (#"{"food": "  "}"#, .emptyCategory),
        ]
        run.source.append(bad.map { $0.0.map { Array($0.utf8) } } + [Array(#"{"food": "soup"}"#.utf8)], to: p0)

        run.drain()
        run.stop()

        XCTAssertEqual(sink.letters.map(\.error.kind), bad.map(\.1))
        XCTAssertEqual(store.currentCounts, ["soup": 1])
        XCTAssertEqual(store.currentOffsets, [p0: Int64(bad.count + 1)])
    }

    func testExhaustedRetryBudgetPausesReportsNotReadyAndRecoversWithoutLoss() {
        let store = InMemoryCountStore()
        store.failNextCommits(with: Array(repeating: StoreError(code: .busy, message: "database is locked"), count: 40))
        let run = SteppedPipeline(
            store: store,
            configuration: .init(
                maxBatchDelay: .milliseconds(5),
                retry: RetryPolicy(initialDelay: .milliseconds(2), maxDelay: .milliseconds(10)),
                retryBudget: .milliseconds(30)))
        run.source.append(strings: (0..<20).map { #"{"food": "f\#($0 % 4)"}"# }, to: p0)

        run.run { run.pipeline.health.retryBudgetExhausted }
        XCTAssertEqual(run.source.pausedPartitions, [p0], "consumption pauses when the budget runs out")
        XCTAssertFalse(run.pipeline.health.isReady)
        XCTAssertFalse(run.pipeline.health.storeWritable)
        XCTAssertTrue(store.currentOffsets.isEmpty, "no offset advances while the store fails")

        run.run { run.pipeline.health.isReady && store.currentOffsets == [p0: 20] }
        run.stop()
        XCTAssertEqual(run.source.pausedPartitions, [], "consumption resumes once commits succeed")
        XCTAssertEqual(store.currentCounts, ["f0": 5, "f1": 5, "f2": 5, "f3": 5])
    }

    func testTransientStoreFailuresNeverDeadLetterValidEvents() {
        let store = InMemoryCountStore()
        store.failNextCommits(with: Array(repeating: StoreError(code: .io, message: "disk I/O error"), count: 5))
        let sink = InMemoryDeadLetterSink()
        let run = SteppedPipeline(
            store: store, deadLetterSink: sink, configuration: .init(maxBatchDelay: .milliseconds(5)))
        run.source.append(strings: [#"{"food": "soup"}"#, "oops", #"{"food": "soup"}"#], to: p0)

        run.run { store.currentOffsets == [p0: 3] }
        run.stop()

        XCTAssertEqual(store.currentCounts, ["soup": 2])
        XCTAssertEqual(sink.letters.map(\.record.offset), [1], "only the bad event, and only once")
    }

    func testShutdownGivesUpOnAStoreThatKeepsFailingAndStoresNothing() {
        let store = ScriptedCountStore()
        store.failing = true
        let run = SteppedPipeline(
            store: store, configuration: .init(maxBatchDelay: .milliseconds(5), shutdownRetryBudget: .milliseconds(100))
        )
        run.source.append(strings: [#"{"food": "soup"}"#], to: p0)
        run.run { run.statistics.flushRetries > 0 }

        let stopping = run.clock.now
        run.stop()

        XCTAssertLessThanOrEqual(stopping.duration(to: run.clock.now), .milliseconds(100), "within the budget")
        XCTAssertGreaterThan(store.commitAttempts, 1, "the shutdown retried")
        XCTAssertEqual(store.inner.currentOffsets, [:])
        XCTAssertTrue(run.source.isClosed)
    }

    func testAnAbandoningStopEndsTheShutdownsRetriesAtOnce() {
        let store = ScriptedCountStore()
        store.failing = true
        let run = SteppedPipeline(
            store: store, configuration: .init(maxBatchDelay: .milliseconds(5), shutdownRetryBudget: .seconds(60)))
        run.source.append(strings: [#"{"food": "soup"}"#], to: p0)
        run.run { run.statistics.flushRetries > 0 }
        run.pipeline.requestStop()
        run.run { store.commitAttempts >= 3 }  // the shutdown retries, with a 60 s budget

        let abandoning = run.clock.now
        let attempts = store.commitAttempts
        run.stop(abandoningRetries: true)

        XCTAssertLessThanOrEqual(store.commitAttempts, attempts + 1, "no retry after the abandoning stop")
        XCTAssertLessThan(abandoning.duration(to: run.clock.now), .seconds(1))
        XCTAssertEqual(store.inner.currentOffsets, [:])
    }
}
