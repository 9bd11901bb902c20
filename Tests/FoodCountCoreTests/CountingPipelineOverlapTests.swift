import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// Overlapped commits: the pipeline polls while the commit worker writes the previous batch. Commits are
/// held in flight until the test finishes them, and the pipeline is stepped: no threads, no sleeps.
final class CountingPipelineOverlapTests: XCTestCase {
    /// A pipeline committing every 10 records (polls of 10), or when the source is caught up, whose
    /// background commits stay in flight until finished.
    private func heldPipeline(
        records: Int, store: any CountStore = InMemoryCountStore(), retry: RetryPolicy = RetryPolicy(),
        pollBatchSize: Int = 10, pollTimeout: Duration = .milliseconds(500)
    ) -> SteppedPipeline {
        let run = SteppedPipeline(
            store: store,
            configuration: .init(
                maxBatchEvents: 10, maxBatchDelay: .seconds(60), pollTimeout: pollTimeout,
                pollBatchSize: pollBatchSize, retry: retry),
            holdsCommits: true)
        run.source.append(strings: soups(records), to: p0)
        return run
    }

    /// Each committed batch must expect exactly the offset the one before it stored (the fencing chain).
    private func assertOffsetsChain(_ batches: [CountBatch], file: StaticString = #filePath, line: UInt = #line) {
        var stored: Int64?
        for batch in batches {
            XCTAssertEqual(batch.offsets[p0]?.expected, stored, file: file, line: line)
            stored = batch.offsets[p0]?.next ?? stored
        }
    }

    func testPollingGoesOnWhileABatchCommitsAndOnlyOneCommitRunsAtATime() {
        let store = InMemoryCountStore()
        let run = heldPipeline(records: 30, store: store)

        run.run("the next records are read while the first batch's commit is held") {
            run.statistics.recordsPolled == 30
        }
        for _ in 0..<50 { run.stepper.step() }
        XCTAssertEqual(run.commits.started, 1, "a due batch keeps filling while a commit is in flight")
        XCTAssertEqual(store.committedBatches.count, 0)

        run.commits.holds = false
        run.commits.finish()
        run.run { store.currentOffsets == [p0: 30] }
        run.stop()
        XCTAssertEqual(store.currentCounts, ["soup": 30])
        XCTAssertEqual(store.committedBatches.map { $0.offsets[p0]?.next }, [10, 30])
        assertOffsetsChain(store.committedBatches)
        XCTAssertEqual(run.source.committedOffsets, [p0: 30], "the source hears of every commit")
        XCTAssertEqual(run.statistics.eventsCommitted, 30)
    }

    func testADueBatchStopsPollingAtMaxPendingEventsUntilTheCommitInFlightIsDone() {
        let store = InMemoryCountStore()
        let run = heldPipeline(records: 150, store: store)
        XCTAssertEqual(run.pipeline.machine.schedule.rules.maxPendingEvents, 100)
        var polledWhenWaiting: Int?
        run.commits.onWait = { batch in
            polledWhenWaiting = polledWhenWaiting ?? run.statistics.recordsPolled
            run.commits.holds = false
            return Result { () throws(StoreError) in try store.commit(batch) }
        }

        run.run { store.currentOffsets == [p0: 150] }
        run.stop()

        XCTAssertEqual(polledWhenWaiting, 110, "10 in flight and 100 pending, then no more polls: it waits")
        XCTAssertEqual(store.committedBatches.prefix(2).map { $0.offsets[p0]?.next }, [10, 110])
        assertOffsetsChain(store.committedBatches)
        XCTAssertEqual(store.currentCounts, ["soup": 150])
    }

    func testPollsDuringACommitNeverTakeThePendingBatchPastMaxPendingEvents() {
        let store = InMemoryCountStore()
        let run = heldPipeline(records: 300, store: store, pollBatchSize: 30)
        var polledWhenWaiting: Int?
        run.commits.onWait = { batch in
            polledWhenWaiting = polledWhenWaiting ?? run.statistics.recordsPolled
            run.commits.holds = false
            return Result { () throws(StoreError) in try store.commit(batch) }
        }

        run.run { store.currentOffsets == [p0: 300] }
        run.stop()

        XCTAssertEqual(polledWhenWaiting, 130, "30 in flight, then polls of 30, 30, 30 and 10")
        XCTAssertEqual(store.committedBatches.prefix(2).map(\.eventCount), [30, 100])
    }

    func testABatchThatBecameDueDuringACommitCommitsRightAfterItEvenIfRecordsKeepComing() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(
            store: store,
            configuration: .init(
                maxBatchEvents: 100_000, maxBatchDelay: .seconds(60), pollTimeout: .milliseconds(20),
                pollBatchSize: 10),
            holdsCommits: true)
        run.source.append(strings: soups(3), to: p0)
        run.run("caught up: committed at once") { run.commits.started == 1 }
        run.source.append(strings: soups(3), to: p0)  // due too (caught up), while the first commit is held
        run.run { run.statistics.recordsPolled == 6 }
        run.run { run.elapsed >= .milliseconds(200) }  // past the caught-up commits' spacing (20 ms): due by now

        // From now on a record comes with every step and the source never says it is caught up: neither the
        // caught-up, the idle, the size nor the age rule would make the second batch due again.
        run.source.reportsCaughtUp = false
        run.commits.finish()
        run.run("the batch that was due while the first commit ran commits as soon as it is done") {
            run.source.append(strings: soups(1), to: p0)
            return run.commits.started == 2
        }
        run.commits.finish()
        run.stop()
        XCTAssertEqual(store.committedBatches.first?.offsets[p0]?.next, 3)
        XCTAssertGreaterThanOrEqual(store.committedBatches.dropFirst().first?.offsets[p0]?.next ?? 0, 6)
        assertOffsetsChain(store.committedBatches)
    }

    func testABatchDueDuringACommitThatFailsWaitsForTheRetryBackoff() {
        let store = ScriptedCountStore()
        let run = heldPipeline(
            records: 10, store: store,
            retry: RetryPolicy(initialDelay: .milliseconds(600), maxDelay: .milliseconds(600), jitter: 0),
            pollTimeout: .milliseconds(20))
        run.run { run.commits.started == 1 }
        run.source.append(strings: soups(10), to: p0)  // a full batch, due while the first commit is held
        run.run { run.statistics.recordsPolled == 20 }

        run.commits.finish(with: .failure(StoreError(code: .busy, message: "database is locked")))
        let failedAt = run.clock.now  // the next step takes the outcome, before any poll moves the clock
        run.run { run.statistics.flushRetries == 1 }
        run.run { store.commitAttempts == 1 }

        XCTAssertGreaterThanOrEqual(
            failedAt.duration(to: run.clock.now), .milliseconds(600), "the next attempt waits for the backoff")
        XCTAssertEqual(run.commits.started, 1, "the retry is synchronous, not another background commit")
        run.stop()
        XCTAssertEqual(store.inner.committedBatches.map(\.eventCount), [20], "the failed batch and the due one")
    }

    func testABatchWhoseCommitFailsInFlightCommitsLaterWithTheNewerRecords() {
        let store = InMemoryCountStore()
        let run = heldPipeline(records: 10, store: store)
        run.run { run.commits.started == 1 }
        run.source.append(strings: foods(Array(repeating: "taco", count: 5)), to: p0)
        run.run { run.statistics.recordsPolled == 15 }

        run.commits.finish(with: .failure(StoreError(code: .busy, message: "database is locked")))
        run.run { store.currentOffsets == [p0: 15] }
        run.stop()

        XCTAssertEqual(store.currentCounts, ["soup": 10, "taco": 5])
        XCTAssertEqual(store.committedBatches.map(\.eventCount), [15], "one batch: the failed one and the newer")
        assertOffsetsChain(store.committedBatches)
        XCTAssertEqual(run.statistics.flushRetries, 1)
        XCTAssertEqual(run.statistics.eventsCommitted, 15)
        XCTAssertTrue(run.pipeline.health.storeWritable, "the retry succeeded")
    }

    func testRevocationWaitsForTheCommitInFlightBeforeReturningEvenWhenTheAssignmentIsLost() {
        for lost in [false, true] {
            let store = InMemoryCountStore()
            let run = heldPipeline(records: 10, store: store, pollTimeout: .milliseconds(20))
            var assignmentWhenWaiting: Set<SourcePartition>?
            run.commits.onWait = { batch in
                assignmentWhenWaiting = run.source.assignment
                return Result { () throws(StoreError) in try store.commit(batch) }
            }
            run.run { run.commits.started == 1 }

            run.source.revoke([p0], lost: lost)
            run.run { run.source.assignment.isEmpty }
            run.stop()

            XCTAssertEqual(assignmentWhenWaiting, [p0], "lost: \(lost): the revocation waits for the held commit")
            XCTAssertEqual(store.currentOffsets, [p0: 10], "lost: \(lost)")
            XCTAssertEqual(run.source.committedOffsets, [p0: 10], "lost: \(lost): booked before the partition went")
            XCTAssertEqual(run.statistics.eventsCommitted, 10, "lost: \(lost)")
        }
    }

    func testACommitInFlightThatSucceedsClearsTheFailureARevocationLeft() {
        let store = ScriptedCountStore()
        store.failing = true
        let run = SteppedPipeline(
            assign: [p0, p1], store: store,
            configuration: .init(
                maxBatchEvents: 10, maxBatchDelay: .seconds(60), idleFlushDelay: nil, pollTimeout: .milliseconds(20),
                pollBatchSize: 10, revocationRetryBudget: .milliseconds(100)))
        run.source.append(strings: soups(5), to: p1)
        run.run { run.statistics.recordsPolled == 5 }

        run.source.revoke([p1])  // its flush keeps failing for the revocation's budget: the 5 records are dropped
        run.run { run.source.assignment == [p0] }
        XCTAssertFalse(run.pipeline.health.storeWritable)
        store.failing = false
        run.source.append(strings: soups(10), to: p0)  // a full batch: committed by the worker

        run.run { store.inner.currentOffsets == [p0: 10] }
        run.run("a commit that succeeds clears the failure") { run.pipeline.health.storeWritable }
        XCTAssertNil(run.pipeline.health.lastError)
        run.stop()
    }

    func testStoppingWaitsForTheCommitInFlightAndBooksIt() {
        let store = InMemoryCountStore()
        let run = heldPipeline(records: 10, store: store)
        var stoppedWhenWaiting: Bool?
        run.commits.onWait = { batch in
            stoppedWhenWaiting = run.source.isClosed
            return Result { () throws(StoreError) in try store.commit(batch) }
        }
        run.run { run.commits.started == 1 }

        run.stop()

        XCTAssertEqual(stoppedWhenWaiting, false, "the source closes only once the commit in flight is booked")
        XCTAssertEqual(store.currentOffsets, [p0: 10])
        XCTAssertEqual(run.source.committedOffsets, [p0: 10])
        XCTAssertEqual(run.statistics.eventsCommitted, 10)
        XCTAssertTrue(run.source.isClosed)
    }
}
