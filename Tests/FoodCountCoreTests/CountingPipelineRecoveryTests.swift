import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// A failing store whose retries end with nothing left to commit (a fence or a revocation took the pending
/// work) must not leave consumption paused, or the pipeline not ready, for good.
final class CountingPipelineRecoveryTests: XCTestCase {
    /// The store fails past the retry budget (consumption pauses), another member stores offsets meanwhile,
    /// and the next retry is fenced for every pending partition. Without `failuresOutlived()` the schedule
    /// stays `.failing` with nothing pending, `decide` answers `.poll` for ever, and the paused partition is
    /// never read again.
    func testAFencedRetryThatLeavesNothingPendingResumesConsumption() {
        let store = ScriptedCountStore()
        store.failing = true
        let run = SteppedPipeline(
            store: store,
            configuration: .init(
                maxBatchDelay: .milliseconds(5), pollTimeout: .milliseconds(20), retryBudget: .milliseconds(30)))
        run.source.append(strings: soups(10), to: p0)

        run.run("the retry budget runs out and consumption pauses") {
            run.pipeline.health.retryBudgetExhausted && run.source.pausedPartitions.contains(p0)
        }
        store.inner.setOffset(4, for: p0)  // another member stored offsets 0..<4 meanwhile
        store.failing = false  // the next retry is fenced: nothing of this member's batch is left

        run.run("the fenced partition continues from the stored offset 4 and reaches 10") {
            store.inner.currentOffsets == [p0: 10]
        }
        XCTAssertFalse(run.source.pausedPartitions.contains(p0), "nothing is pending any more: consumption resumes")
        XCTAssertTrue(run.pipeline.health.isReady, "the pipeline must not report not-ready for ever")
        run.stop()
        XCTAssertEqual(store.inner.currentCounts, ["soup": 6])
    }

    /// A revocation whose flush keeps failing runs through the schedule's failure sequence, so it can exhaust
    /// the retry budget and pause the partitions that stay owned; its pending work is then dropped with the
    /// revoked partitions, nothing is left to retry, and the kept partition would stay paused for ever.
    func testARevocationThatOutlastsTheRetryBudgetDoesNotLeaveTheKeptPartitionPaused() {
        let store = ScriptedCountStore()
        store.failing = true
        let run = SteppedPipeline(
            assign: [p0, p1], store: store,
            configuration: .init(
                maxBatchEvents: 10, maxBatchDelay: .seconds(60), idleFlushDelay: nil, pollTimeout: .milliseconds(20),
                pollBatchSize: 10, retryBudget: .milliseconds(50), revocationRetryBudget: .milliseconds(300)))
        run.source.append(strings: soups(5), to: p1)
        run.run { run.statistics.recordsPolled == 5 }

        run.source.revoke([p1])  // its flush fails for 300 ms, past the 50 ms retry budget: p1's 5 records are dropped
        run.run { run.source.assignment == [p0] }
        store.failing = false
        run.source.append(strings: soups(10), to: p0)

        run.run("p0 is read and committed once the store works again") { store.inner.currentOffsets == [p0: 10] }
        XCTAssertFalse(run.source.pausedPartitions.contains(p0), "p0 must not stay paused with nothing pending")
        run.stop()
    }
}
