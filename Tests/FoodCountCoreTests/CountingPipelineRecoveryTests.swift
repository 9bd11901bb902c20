import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// A failing store whose retries end with nothing left to commit (a fence or a revocation took the pending
/// work) must not leave consumption paused, or the pipeline not ready, for good.
final class CountingPipelineRecoveryTests: XCTestCase {
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let p1 = SourcePartition(topic: "message", partition: 1)
    private let fastRetry = RetryPolicy(initialDelay: .milliseconds(2), maxDelay: .milliseconds(10))

    private func soups(_ count: Int) -> [String] { Array(repeating: #"{"food": "soup"}"#, count: count) }

    /// A pipeline over `source` and an open store that fails every commit until the test says otherwise.
    private func pipelineOverAFailingStore(
        _ source: InMemoryEventSource,
        _ configuration: CountingPipeline.Configuration
    ) -> (CountingPipeline, GatedCountStore) {
        let store = GatedCountStore()
        store.open()
        store.failing = true
        return (CountingPipeline(source: source, store: store, configuration: configuration), store)
    }

    /// The store fails past the retry budget (consumption pauses), another member stores offsets meanwhile,
    /// and the next retry is fenced for every pending partition. Without `failuresOutlived()` the schedule
    /// stays `.failing` with nothing pending, `decide` answers `.poll` for ever, and the paused partition is
    /// never read again.
    func testAFencedRetryThatLeavesNothingPendingResumesConsumption() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: soups(10), to: p0)
        let (pipeline, store) = pipelineOverAFailingStore(
            source,
            .init(
                maxBatchDelay: .milliseconds(5), pollTimeout: .milliseconds(20), retry: fastRetry,
                retryBudget: .milliseconds(30)))
        let stop = start(pipeline)

        XCTAssertTrue(
            eventuallyTrue(timeout: 5) {
                pipeline.health.retryBudgetExhausted && source.pausedPartitions.contains(self.p0)
            }, "the retry budget runs out and consumption pauses")
        store.inner.setOffset(4, for: p0)  // another member stored offsets 0..<4 meanwhile
        store.failing = false  // the next retry is fenced: nothing of this member's batch is left

        let caughtUp = eventuallyTrue(timeout: 5) { store.inner.currentOffsets == [self.p0: 10] }
        let paused = source.pausedPartitions
        let ready = pipeline.health.isReady
        stop()

        XCTAssertTrue(caughtUp, "the fenced partition continues from the stored offset 4 and reaches 10")
        XCTAssertFalse(paused.contains(p0), "nothing is pending any more: consumption must resume")
        XCTAssertTrue(ready, "the pipeline must not report not-ready for ever")
        XCTAssertEqual(store.inner.currentCounts, ["soup": 6])
    }

    /// A revocation whose flush keeps failing runs through the schedule's failure sequence
    /// (`retryLater`), so it can exhaust the retry budget and pause the partitions that stay owned; its
    /// pending work is then dropped with the revoked partitions, nothing is left to retry, and the kept
    /// partition would stay paused for ever.
    func testARevocationThatOutlastsTheRetryBudgetDoesNotLeaveTheKeptPartitionPaused() throws {
        let source = InMemoryEventSource(assignOnStart: [p0, p1])
        let (pipeline, store) = pipelineOverAFailingStore(
            source,
            .init(
                maxBatchEvents: 10, maxBatchDelay: .seconds(60), idleFlushDelay: nil, pollTimeout: .milliseconds(20),
                pollBatchSize: 10, retry: fastRetry, retryBudget: .milliseconds(50),
                revocationRetryBudget: .milliseconds(300)))
        let stop = start(pipeline)
        source.append(strings: soups(5), to: p1)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { pipeline.statistics.recordsPolled == 5 })

        source.revoke([p1])  // its flush fails for 300 ms, past the 50 ms retry budget: p1's 5 records are dropped
        XCTAssertTrue(eventuallyTrue(timeout: 5) { source.assignment == [self.p0] })
        store.failing = false
        source.append(strings: soups(10), to: p0)

        let committed = eventuallyTrue(timeout: 5) { store.inner.currentOffsets == [self.p0: 10] }
        let paused = source.pausedPartitions
        stop()

        XCTAssertTrue(committed, "p0 must be read and committed once the store works again")
        XCTAssertFalse(paused.contains(p0), "p0 must not stay paused with nothing pending")
    }
}
