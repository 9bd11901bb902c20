import FoodCountTesting
import Logging
import XCTest

@testable import FoodCountCore

/// What commits' outcomes, assignments and fences do to the pipeline's books, and what the source and the
/// recorder hear of them: on a manual clock and the in-memory source, without threads or sleeps.
final class BookkeeperTests: XCTestCase {
    typealias Books = Bookkeeper<ManualClock>
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let p1 = SourcePartition(topic: "message", partition: 1)
    private let p2 = SourcePartition(topic: "message", partition: 2)
    private let clock = ManualClock()
    private let source = InMemoryEventSource()
    private let recorder = PipelineRecorder()
    private let busy = StoreError(code: .busy, message: "database is locked")

    /// Books that own p0 (stored offset 3) and p1 (none stored yet); commits may fail for `retryBudget`.
    private func makeBooks(maxBatchEvents: Int = 100, retryBudget: Duration = .seconds(10)) -> Books {
        let configuration = CountingPipeline.Configuration(
            maxBatchEvents: maxBatchEvents, retry: RetryPolicy(initialDelay: .milliseconds(50), jitter: 0),
            retryBudget: retryBudget)
        var books = Books(
            schedule: FlushSchedule(rules: .init(configuration), clock: clock, random: { 0 }), source: source,
            recorder: recorder, logger: Logger(label: "test"))
        _ = books.assigned([p0, p1], stored: [p0: 3], storedLogIDs: [:], logIDs: [:])
        recorder.running(true)
        return books
    }

    /// A pending batch with a soup at offset 3 of p0 and a taco at offset 0 of p1.
    private func makePending() -> PendingBatch {
        var pending = PendingBatch()
        pending.aggregator.count("soup", partition: p0, offset: 3)
        pending.aggregator.count("taco", partition: p1, offset: 0)
        pending.noteArrivals(at: .now)
        return pending
    }

    /// Commits the pending batch as the pipeline does (on the worker, or synchronously while commits fail),
    /// with the store's answer `result`.
    @discardableResult
    private func commit(
        _ books: inout Books, _ pending: inout PendingBatch, _ result: Result<Void, StoreError> = .success(())
    ) throws -> Bool {
        let inBackground = !books.schedule.isFailing
        let commit = books.beginCommit(taking: &pending, started: .now, inBackground: inBackground)
        return try books.settle(commit, result, pending: &pending)
    }

    func testABatchExpectsTheStoredOffsetsAndItsCommitStoresTheNextOnesAndTellsTheSource() throws {
        var books = makeBooks()
        var pending = makePending()
        let commit = books.beginCommit(taking: &pending, started: .now, inBackground: true)
        XCTAssertEqual(commit.batch.offsets, [p0: .init(expected: 3, next: 4), p1: .init(expected: nil, next: 1)])
        XCTAssertEqual(books.schedule.state, .committing(pendingDue: false))
        XCTAssertTrue(pending.isEmpty, "the next batch starts empty")

        XCTAssertTrue(try books.settle(commit, .success(()), pending: &pending))

        XCTAssertEqual(books.schedule.state, .ready)
        XCTAssertEqual(books.ownership.storedOffset(of: p0), 4)
        XCTAssertEqual(books.ownership.storedOffset(of: p1), 1)
        XCTAssertEqual(source.committedOffsets, [p0: 4, p1: 1], "Kafka hears of progress after the store")
        XCTAssertEqual(recorder.statistics.flushes, 1)
        XCTAssertEqual(recorder.statistics.eventsCommitted, 2)
    }

    func testAFailedBatchGoesBackIntoThePendingOneAheadOfTheNewerRecords() throws {
        var books = makeBooks()
        var pending = makePending()
        let commit = books.beginCommit(taking: &pending, started: .now, inBackground: true)
        pending.aggregator.count("pizza", partition: p0, offset: 4)

        XCTAssertFalse(try books.settle(commit, .failure(busy), pending: &pending))

        XCTAssertEqual(pending.recordCount, 3)
        let retry = books.beginCommit(taking: &pending, started: .now, inBackground: false)
        XCTAssertEqual(retry.batch.deltas, ["soup": 1, "taco": 1, "pizza": 1])
        XCTAssertEqual(retry.batch.offsets[p0], .init(expected: 3, next: 5), "one batch, from the stored offset on")
    }

    func testAFencedCommitSetsItsPartitionsAsideAndDropsOnlyTheirPendingWork() throws {
        var books = makeBooks()
        var pending = makePending()
        let fenced = StoreError(code: .fenced, message: "moved", partitions: [p0, p2])
        XCTAssertTrue(try commit(&books, &pending, .failure(fenced)), "a fence is no store failure")

        XCTAssertFalse(books.ownership.counts(p0))
        XCTAssertTrue(books.ownership.owns(p0), "librdkafka keeps it assigned")
        XCTAssertEqual(books.ownership.fenced, [p0], "p2 is not owned")
        XCTAssertNil(pending.aggregator.nextOffset(for: p0))
        XCTAssertEqual(pending.aggregator.nextOffset(for: p1), 1)
        XCTAssertEqual(books.schedule.state, .ready, "the commit in flight is over")
        XCTAssertEqual(recorder.statistics.batchesFenced, 1)
        XCTAssertTrue(recorder.health.storeWritable)
    }

    func testAFencedPartitionCountsAgainOnceMovedToItsStoredOffset() throws {
        var books = makeBooks()
        var pending = makePending()
        try commit(&books, &pending, .failure(StoreError(code: .fenced, message: "moved", partitions: [p0])))

        try books.continueFenced(at: [p0: 15])

        XCTAssertTrue(books.ownership.counts(p0))
        XCTAssertEqual(books.ownership.storedOffset(of: p0), 15)
    }

    func testAFencedPartitionWhoseStoredOffsetVanishedStaysSetAside() throws {
        var books = makeBooks()
        var pending = makePending()
        try commit(&books, &pending, .failure(StoreError(code: .fenced, message: "moved", partitions: [p0])))

        XCTAssertThrowsError(try books.continueFenced(at: [:])) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent)
        }
        XCTAssertFalse(books.ownership.counts(p0))
    }

    func testATransientFailureBacksOffAndPausesConsumptionOnlyOncePastTheRetryBudget() throws {
        var books = makeBooks(retryBudget: .seconds(1))
        var pending = makePending()

        XCTAssertFalse(try commit(&books, &pending, .failure(busy)))
        XCTAssertTrue(books.schedule.isFailing)
        XCTAssertEqual(books.schedule.decide(pending.snapshotOn(clock)), .poll, "the backoff has not passed")
        XCTAssertFalse(recorder.health.storeWritable)
        XCTAssertEqual(source.pausedPartitions, [], "within the budget, consumption goes on")

        clock.advance(by: .seconds(1))
        XCTAssertFalse(try commit(&books, &pending, .failure(busy)))
        XCTAssertEqual(source.pausedPartitions, [p0, p1])
        XCTAssertTrue(recorder.health.retryBudgetExhausted)
        XCTAssertFalse(recorder.health.isReady)
        XCTAssertEqual(recorder.statistics.flushRetries, 2)
    }

    func testACommitAfterFailuresResumesThePausedPartitionsAndReadiness() throws {
        var books = makeBooks(retryBudget: .zero)
        var pending = makePending()
        try commit(&books, &pending, .failure(busy))
        XCTAssertEqual(source.pausedPartitions, [p0, p1])

        try commit(&books, &pending)

        XCTAssertEqual(source.pausedPartitions, [])
        XCTAssertEqual(books.schedule.state, .ready)
        XCTAssertTrue(recorder.health.isReady)
        XCTAssertTrue(recorder.health.storeWritable)
    }

    func testFailuresThatLeaveNothingToCommitResumeConsumptionButNotTheStoresHealth() throws {
        var books = makeBooks(retryBudget: .zero)
        var pending = makePending()
        try commit(&books, &pending, .failure(busy))

        books.failuresOutlived()

        XCTAssertEqual(source.pausedPartitions, [])
        XCTAssertFalse(books.schedule.isFailing)
        XCTAssertTrue(recorder.health.isReady)
        XCTAssertFalse(recorder.health.storeWritable, "writable again only once a commit succeeds")
    }

    func testAFailureThatRetryingCannotFixIsThrownWithoutARetry() {
        var books = makeBooks()
        var pending = makePending()
        XCTAssertThrowsError(
            try commit(&books, &pending, .failure(StoreError(code: .corrupt, message: "not a database"))))
        XCTAssertFalse(books.schedule.isFailing)
        XCTAssertEqual(recorder.statistics.flushRetries, 0)
        XCTAssertEqual(pending.recordCount, 2)
    }

    func testAFailingStoreWithAFullBatchPausesConsumptionOnce() throws {
        var books = makeBooks(maxBatchEvents: 2)
        var pending = makePending()
        books.pauseIfFull(pending.snapshotOn(clock))
        XCTAssertEqual(source.pausedPartitions, [], "a full batch of a working store just commits")

        try commit(&books, &pending, .failure(busy))
        books.pauseIfFull(pending.snapshotOn(clock))
        XCTAssertEqual(source.pausedPartitions, [p0, p1])
    }

    func testPartitionsAssignedWhileConsumptionIsPausedArePausedToo() throws {
        var books = makeBooks(retryBudget: .zero)
        var pending = makePending()
        books.pauseNewlyAssigned()
        XCTAssertEqual(source.pausedPartitions, [])

        try commit(&books, &pending, .failure(busy))
        _ = books.assigned([p2], stored: [:], storedLogIDs: [:], logIDs: [:])
        books.pauseNewlyAssigned()
        XCTAssertEqual(source.pausedPartitions, [p0, p1, p2])
    }

    func testAssignmentsSayWhereEachPartitionStartsAndRevocationsReleaseThem() {
        var books = makeBooks()
        let starts = books.assigned(
            [p2], stored: [p2: 9], storedLogIDs: [p2: "old-topic-id"], logIDs: [p2: "new-topic-id"])
        XCTAssertEqual(starts, [p2: .beginning], "a recreated log is counted from its beginning")
        XCTAssertEqual(recorder.statistics.assignedPartitions, 3)

        var pending = PendingBatch()
        books.released([p0, p2], dropped: .lost, pending: &pending)
        XCTAssertEqual(recorder.statistics.assignedPartitions, 1)
        XCTAssertFalse(books.ownership.owns(p0))
    }

    func testARevocationDropsOnlyTheRevokedPartitionsWorkAndOwnershipOfThem() {
        var books = makeBooks()
        var pending = makePending()
        books.released([p0], dropped: .notCommitted, pending: &pending)
        XCTAssertFalse(books.ownership.owns(p0))
        XCTAssertNil(pending.aggregator.nextOffset(for: p0))
        XCTAssertEqual(pending.aggregator.nextOffset(for: p1), 1, "p1 stays, with its work")
        XCTAssertEqual(recorder.statistics.assignedPartitions, 1)
    }
}

extension PendingBatch {
    /// What the schedule needs of the batch, on a manual clock: its records; its start does not matter here.
    fileprivate func snapshotOn(_ clock: ManualClock) -> FlushSchedule<ManualClock>.Pending {
        .init(records: recordCount, started: isEmpty ? nil : clock.now)
    }
}
