import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// Overlapped commits: the pipeline polls while the commit worker writes the previous batch.
final class CountingPipelineOverlapTests: XCTestCase {
    private let p0 = SourcePartition(topic: "message", partition: 0)

    private func soups(_ count: Int) -> [String] { Array(repeating: #"{"food": "soup"}"#, count: count) }

    /// A source owning `p0` with `records` soups waiting in it, and a store that holds commits until opened.
    private func heldSource(records: Int) -> (InMemoryEventSource, GatedCountStore) {
        let source = InMemoryEventSource(assignOnStart: [p0])
        source.append(strings: soups(records), to: p0)
        return (source, GatedCountStore())
    }

    /// A pipeline committing every 10 records (polls of 10) into `store`, or when the source is caught up.
    private func makePipeline(
        _ source: InMemoryEventSource, _ store: GatedCountStore, pollTimeout: Duration = .milliseconds(500)
    ) -> CountingPipeline {
        CountingPipeline(
            source: source, store: store,
            configuration: .init(
                maxBatchEvents: 10, maxBatchDelay: .seconds(60), pollTimeout: pollTimeout, pollBatchSize: 10,
                retry: RetryPolicy(initialDelay: .milliseconds(2), maxDelay: .milliseconds(10))))
    }

    /// Each committed batch must expect exactly the offset the one before it stored (the fencing chain).
    private func assertOffsetsChain(_ batches: [CountBatch], file: StaticString = #filePath, line: UInt = #line) {
        var stored: Int64?
        for batch in batches {
            XCTAssertEqual(batch.offsets[p0]?.expected, stored, file: file, line: line)
            stored = batch.offsets[p0]?.next ?? stored
        }
    }

    func testPollingGoesOnWhileABatchCommitsAndOnlyOneCommitRunsAtATime() throws {
        let (source, store) = heldSource(records: 30)
        let pipeline = makePipeline(source, store)
        let stop = start(pipeline)

        let readOn = eventuallyTrue(timeout: 5) { pipeline.statistics.recordsPolled == 30 }
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertTrue(readOn, "the next records were read while the first batch's commit was held")
        XCTAssertEqual(store.commitsStarted, 1, "a due batch keeps filling while a commit is in flight")
        XCTAssertEqual(store.inner.committedBatches.count, 0)

        store.open()
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.inner.currentOffsets == [self.p0: 30] })
        stop()
        XCTAssertEqual(store.mostAtOnce, 1)
        XCTAssertEqual(store.inner.currentCounts, ["soup": 30])
        XCTAssertEqual(store.inner.committedBatches.map { $0.offsets[p0]?.next }, [10, 30])
        assertOffsetsChain(store.inner.committedBatches)
        XCTAssertEqual(source.committedOffsets, [p0: 30], "the source hears of every commit")
        XCTAssertEqual(pipeline.statistics.eventsCommitted, 30)
    }

    func testADueBatchStopsPollingAtMaxPendingEventsUntilTheCommitInFlightIsDone() throws {
        let (source, store) = heldSource(records: 150)
        let pipeline = makePipeline(source, store)
        XCTAssertEqual(pipeline.configuration.maxPendingEvents, 100)
        let stop = start(pipeline)

        let stopped = eventuallyTrue(timeout: 5) { pipeline.statistics.recordsPolled == 110 }
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertTrue(stopped)
        XCTAssertEqual(pipeline.statistics.recordsPolled, 110, "10 in flight and 100 pending, then no more polls")
        XCTAssertEqual(store.commitsStarted, 1)

        store.open()
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.inner.currentOffsets == [self.p0: 150] })
        stop()
        XCTAssertEqual(store.inner.committedBatches.prefix(2).map { $0.offsets[p0]?.next }, [10, 110])
        assertOffsetsChain(store.inner.committedBatches)
        XCTAssertEqual(store.inner.currentCounts, ["soup": 150])
    }

    func testPollsDuringACommitNeverTakeThePendingBatchPastMaxPendingEvents() throws {
        let (source, store) = heldSource(records: 300)
        let pipeline = CountingPipeline(
            source: source, store: store,
            configuration: .init(maxBatchEvents: 10, maxBatchDelay: .seconds(60), pollBatchSize: 30))
        let stop = start(pipeline)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { pipeline.statistics.recordsPolled == 130 })
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(pipeline.statistics.recordsPolled, 130, "30 in flight, then polls of 30, 30, 30 and 10")
        store.open()
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.inner.currentOffsets == [self.p0: 300] })
        stop()
        XCTAssertEqual(store.inner.committedBatches.prefix(2).map(\.eventCount), [30, 100])
    }

    func testABatchThatBecameDueDuringACommitCommitsRightAfterItEvenIfRecordsKeepComing() throws {
        let source = InMemoryEventSource(assignOnStart: [p0])
        let store = GatedCountStore()
        let pipeline = CountingPipeline(
            source: source, store: store,
            configuration: .init(
                maxBatchEvents: 100_000, maxBatchDelay: .seconds(60), pollTimeout: .milliseconds(20),
                pollBatchSize: 10))
        let stop = start(pipeline)
        source.append(strings: soups(3), to: p0)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.commitsStarted == 1 }, "caught up: committed at once")
        source.append(strings: soups(3), to: p0)  // due too (caught up), while the first commit is held
        XCTAssertTrue(eventuallyTrue(timeout: 5) { pipeline.statistics.recordsPolled == 6 })
        Thread.sleep(forTimeInterval: 0.2)  // past the caught-up commits' spacing (20 ms): due by now

        // From now on a record comes every 5 ms and the source never says it is caught up: neither the
        // caught-up, the idle, the size nor the age rule would make the second batch due again.
        source.reportsCaughtUp = false
        let trickling = LockedBox(true)
        let (one, p0) = (soups(1), p0)
        Thread {
            while trickling.value {
                source.append(strings: one, to: p0)
                Thread.sleep(forTimeInterval: 0.005)
            }
        }.start()
        defer { trickling.value = false }
        store.open()
        XCTAssertTrue(
            eventuallyTrue(timeout: 5) { (store.inner.currentOffsets[self.p0] ?? 0) >= 6 },
            "the batch that was due while the first commit ran commits as soon as it is done")
        trickling.value = false
        stop()
        XCTAssertEqual(store.inner.committedBatches.first?.offsets[p0]?.next, 3)
        assertOffsetsChain(store.inner.committedBatches)
    }

    func testABatchDueDuringACommitThatFailsWaitsForTheRetryBackoff() throws {
        let (source, store) = heldSource(records: 10)
        store.failing = true
        let pipeline = CountingPipeline(
            source: source, store: store,
            configuration: .init(
                maxBatchEvents: 10, maxBatchDelay: .seconds(60), pollTimeout: .milliseconds(20), pollBatchSize: 10,
                retry: RetryPolicy(initialDelay: .milliseconds(600), maxDelay: .milliseconds(600), jitter: 0)))
        let stop = start(pipeline)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.commitsStarted == 1 })
        source.append(strings: soups(10), to: p0)  // a full batch, due while the first commit is held
        XCTAssertTrue(eventuallyTrue(timeout: 5) { pipeline.statistics.recordsPolled == 20 })

        store.open()  // the held commit fails
        XCTAssertTrue(eventuallyTrue(timeout: 5) { pipeline.statistics.flushRetries == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(store.commitsStarted, 1, "the next attempt waits for the backoff, due batch or not")
        store.failing = false
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.inner.currentOffsets == [self.p0: 20] })
        stop()
        XCTAssertEqual(store.inner.committedBatches.map(\.eventCount), [20], "the failed batch and the due one")
    }

    func testABatchWhoseCommitFailsInFlightCommitsLaterWithTheNewerRecords() throws {
        let (source, store) = heldSource(records: 10)
        store.inner.failNextCommits(with: [StoreError(code: .busy, message: "database is locked")])
        let pipeline = makePipeline(source, store)
        let stop = start(pipeline)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.commitsStarted == 1 })
        source.append(strings: Array(repeating: #"{"food": "taco"}"#, count: 5), to: p0)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { pipeline.statistics.recordsPolled == 15 })

        store.open()  // the held commit fails; its 10 records join the 5 newer ones
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.inner.currentOffsets == [self.p0: 15] })
        stop()

        XCTAssertEqual(store.inner.currentCounts, ["soup": 10, "taco": 5])
        XCTAssertEqual(store.inner.committedBatches.map(\.eventCount), [15], "one batch: the failed one and the newer")
        assertOffsetsChain(store.inner.committedBatches)
        XCTAssertEqual(pipeline.statistics.flushRetries, 1)
        XCTAssertEqual(pipeline.statistics.eventsCommitted, 15)
        XCTAssertTrue(pipeline.health.storeWritable, "the retry succeeded")
    }

    func testRevocationWaitsForTheCommitInFlightBeforeReturningEvenWhenTheAssignmentIsLost() throws {
        for lost in [false, true] {
            let (source, store) = heldSource(records: 10)
            let pipeline = makePipeline(source, store, pollTimeout: .milliseconds(20))
            let stop = start(pipeline)
            XCTAssertTrue(eventuallyTrue(timeout: 5) { store.commitsStarted == 1 })

            source.revoke([p0], lost: lost)
            Thread.sleep(forTimeInterval: 0.3)  // polls of 20 ms: the revocation was delivered by now
            XCTAssertEqual(source.assignment, [p0], "lost: \(lost): the revocation waits for the held commit")
            store.open()
            XCTAssertTrue(eventuallyTrue(timeout: 5) { source.assignment.isEmpty })
            stop()

            XCTAssertEqual(store.inner.currentOffsets, [p0: 10], "lost: \(lost)")
            XCTAssertEqual(source.committedOffsets, [p0: 10], "lost: \(lost): booked before the partition went")
            XCTAssertEqual(pipeline.statistics.eventsCommitted, 10, "lost: \(lost)")
        }
    }

    func testACommitInFlightThatSucceedsClearsTheFailureARevocationLeft() throws {
        let p1 = SourcePartition(topic: "message", partition: 1)
        let source = InMemoryEventSource(assignOnStart: [p0, p1])
        let store = GatedCountStore()
        store.open()
        store.failing = true
        let pipeline = CountingPipeline(
            source: source, store: store,
            configuration: .init(
                maxBatchEvents: 10, maxBatchDelay: .seconds(60), idleFlushDelay: nil, pollTimeout: .milliseconds(20),
                pollBatchSize: 10, retry: RetryPolicy(initialDelay: .milliseconds(2), maxDelay: .milliseconds(10)),
                revocationRetryBudget: .milliseconds(100)))
        let stop = start(pipeline)
        source.append(strings: soups(5), to: p1)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { pipeline.statistics.recordsPolled == 5 })

        source.revoke([p1])  // its flush keeps failing for the revocation's budget: the 5 records are dropped
        XCTAssertTrue(eventuallyTrue(timeout: 5) { source.assignment == [self.p0] })
        XCTAssertFalse(pipeline.health.storeWritable)
        store.failing = false
        source.append(strings: soups(10), to: p0)  // a full batch: committed by the worker

        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.inner.currentOffsets == [self.p0: 10] })
        XCTAssertTrue(
            eventuallyTrue(timeout: 2) { pipeline.health.storeWritable }, "a commit that succeeds clears the failure")
        XCTAssertNil(pipeline.health.lastError)
        stop()
    }

    func testStoppingWaitsForTheCommitInFlightAndBooksIt() throws {
        let (source, store) = heldSource(records: 10)
        let pipeline = makePipeline(source, store)
        let run = PipelineRun(pipeline)
        XCTAssertTrue(eventuallyTrue(timeout: 5) { store.commitsStarted == 1 })

        pipeline.requestStop()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertFalse(run.hasReturned, "run() must not return while its commit is still being written")
        store.open()

        run.waitForReturn(timeout: 5)
        XCTAssertEqual(store.inner.currentOffsets, [p0: 10])
        XCTAssertEqual(source.committedOffsets, [p0: 10])
        XCTAssertEqual(pipeline.statistics.eventsCommitted, 10)
        XCTAssertTrue(source.isClosed)
    }
}

/// A store that holds every commit until ``open()``, and records how many ran at once. While ``failing``,
/// commits fail with a transient error.
final class GatedCountStore: CountStore, @unchecked Sendable {
    let inner = InMemoryCountStore()
    private let lock = NSLock()
    private var isOpen = false
    private var isFailing = false
    private var running = 0
    private var started = 0
    private var most = 0

    var commitsStarted: Int { lock.withLock { started } }
    var mostAtOnce: Int { lock.withLock { most } }

    func open() { lock.withLock { isOpen = true } }

    var failing: Bool {
        get { lock.withLock { isFailing } }
        set { lock.withLock { isFailing = newValue } }
    }

    func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        try inner.storedOffsets(for: partitions)
    }

    func commit(_ batch: CountBatch) throws(StoreError) {
        lock.withLock {
            started += 1
            running += 1
            most = max(most, running)
        }
        defer { lock.withLock { running -= 1 } }
        while !lock.withLock({ isOpen }) { Thread.sleep(forTimeInterval: 0.002) }
        if failing { throw StoreError(code: .busy, message: "database is locked") }
        try inner.commit(batch)
    }
}
