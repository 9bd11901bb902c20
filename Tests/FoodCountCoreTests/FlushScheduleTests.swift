import FoodCountTesting
import XCTest

@testable import FoodCountCore

/// The batching rules, on a manual clock: no threads, no sleeps.
final class FlushScheduleTests: XCTestCase {
    typealias Schedule = FlushSchedule
    private let clock = ManualClock()

    private func makeSchedule(
        maxBatchEvents: Int = 100,
        maxBatchDelay: Duration = .milliseconds(200),
        idleFlushDelay: Duration? = .milliseconds(20),
        pollTimeout: Duration = .milliseconds(500),
        retryBudget: Duration = .seconds(10)
    ) -> Schedule {
        let configuration = CountingPipeline.Configuration(
            maxBatchEvents: maxBatchEvents, maxBatchDelay: maxBatchDelay, idleFlushDelay: idleFlushDelay,
            pollTimeout: pollTimeout, pollBatchSize: 50,
            retry: RetryPolicy(initialDelay: .milliseconds(50), maxDelay: .seconds(1), jitter: 0),
            retryBudget: retryBudget)
        return Schedule(rules: .init(configuration))
    }

    /// A pending batch of `records` whose first record arrived `age` ago.
    private func pending(_ records: Int, age: Duration = .zero) -> Schedule.Pending {
        .init(records: records, started: records == 0 ? nil : clock.now.advanced(by: .zero - age))
    }

    func testAnEmptyBatchNeverCommitsAndAPollBlocksForThePollTimeout() {
        var schedule = makeSchedule()
        schedule.pollEnded(visited: 0, began: clock.now.advanced(by: .seconds(-1)), caughtUp: true, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(0), now: clock.now), .poll)
        XCTAssertEqual(schedule.pollTimeout(pending(0), now: clock.now), .milliseconds(500))
        XCTAssertEqual(schedule.pollLimit(pending(0)), 50)
    }

    func testABatchCommitsAtMaxBatchEvents() {
        var schedule = makeSchedule(maxBatchEvents: 10)
        XCTAssertEqual(schedule.decide(pending(9), now: clock.now), .poll)
        XCTAssertEqual(schedule.decide(pending(10), now: clock.now), .commit)
    }

    func testABatchCommitsWhenItsOldestRecordReachesMaxBatchDelayAndThePollWaitsNoLonger() {
        var schedule = makeSchedule(idleFlushDelay: nil)
        let batch = pending(1)
        XCTAssertEqual(
            schedule.pollTimeout(batch, now: clock.now), .milliseconds(200), "the poll ends when the batch is due")
        clock.advance(by: .milliseconds(199))
        XCTAssertEqual(schedule.decide(batch, now: clock.now), .poll)
        XCTAssertEqual(schedule.pollTimeout(batch, now: clock.now), .milliseconds(1))
        clock.advance(by: .milliseconds(1))
        XCTAssertEqual(schedule.decide(batch, now: clock.now), .commit)
    }

    func testAPollThatWaitedTheIdleDelayForNothingMakesTheBatchDueButOneWokenEarlyDoesNot() {
        var schedule = makeSchedule(maxBatchDelay: .seconds(60))
        let began = clock.now
        clock.advance(by: .milliseconds(5))
        schedule.pollEnded(visited: 0, began: began, caughtUp: false, now: clock.now)
        XCTAssertEqual(
            schedule.decide(pending(2), now: clock.now), .poll, "woken after 5 ms: says nothing about the stream")

        let again = clock.now
        clock.advance(by: .milliseconds(20))
        schedule.pollEnded(visited: 0, began: again, caughtUp: false, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(2), now: clock.now), .commit)

        schedule.pollEnded(visited: 3, began: again, caughtUp: false, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(5), now: clock.now), .poll, "records came: no longer idle")
    }

    func testWithoutAnIdleDelayOnlyTheSizeAndAgeRulesCommit() {
        var schedule = makeSchedule(maxBatchDelay: .seconds(60), idleFlushDelay: nil)
        let began = clock.now
        clock.advance(by: .seconds(1))
        schedule.pollEnded(visited: 0, began: began, caughtUp: true, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(2, age: .seconds(1)), now: clock.now), .poll)
        clock.advance(by: .seconds(59))
        XCTAssertEqual(schedule.decide(pending(2, age: .seconds(60)), now: clock.now), .commit)
    }

    func testACaughtUpSourceCommitsAtOnceAndLaterCaughtUpCommitsAreSpacedByTheIdleDelay() {
        var schedule = makeSchedule(
            maxBatchDelay: .seconds(60), idleFlushDelay: .milliseconds(1_500), pollTimeout: .seconds(5))
        schedule.pollEnded(visited: 1, began: clock.now, caughtUp: true, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(1), now: clock.now), .commit, "the first caught-up commit is at once")
        schedule.commitBegan(inBackground: true, now: clock.now)
        clock.advance(by: .milliseconds(10))
        schedule.commitSucceeded()

        clock.advance(by: .milliseconds(690))
        schedule.pollEnded(visited: 1, began: clock.now, caughtUp: true, now: clock.now)
        XCTAssertEqual(
            schedule.decide(pending(1), now: clock.now), .poll, "700 ms after the last commit began: too soon")
        XCTAssertEqual(
            schedule.pollTimeout(pending(1), now: clock.now), .milliseconds(800), "the poll waits out the spacing")
        clock.advance(by: .milliseconds(800))
        XCTAssertEqual(schedule.decide(pending(1), now: clock.now), .commit)
    }

    func testCommitsSlowerThanTheSpacingFollowEachOtherWithoutAGap() {
        var schedule = makeSchedule(idleFlushDelay: .milliseconds(20))
        schedule.pollEnded(visited: 1, began: clock.now, caughtUp: true, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(1), now: clock.now), .commit)
        schedule.commitBegan(inBackground: true, now: clock.now)
        clock.advance(by: .milliseconds(50))
        schedule.commitSucceeded()
        XCTAssertEqual(schedule.decide(pending(1), now: clock.now), .commit)
    }

    func testWhileCommittingPollsAreShortAndTakeNoMoreThanThePendingBatchMayStillHold() {
        var schedule = makeSchedule(maxBatchEvents: 10)
        schedule.commitBegan(inBackground: true, now: clock.now)
        XCTAssertEqual(schedule.pollTimeout(pending(0), now: clock.now), .milliseconds(5))
        XCTAssertEqual(schedule.pollLimit(pending(0)), 50)
        XCTAssertEqual(schedule.pollLimit(pending(80)), 20, "max pending is ten batches: 100")
        XCTAssertEqual(schedule.pollLimit(pending(100)), 1)
    }

    func testABatchDueDuringACommitKeepsFillingThenCommitsRightAfterEvenIfTheRuleNoLongerHolds() {
        var schedule = makeSchedule(maxBatchDelay: .seconds(60))
        schedule.commitBegan(inBackground: true, now: clock.now)
        clock.advance(by: .milliseconds(20))  // the caught-up commits' spacing
        schedule.pollEnded(visited: 1, began: clock.now, caughtUp: true, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(3), now: clock.now), .poll, "below max pending it keeps filling")
        XCTAssertEqual(schedule.state, .committing(pendingDue: true))

        // A trickle: no longer caught up.
        schedule.pollEnded(visited: 4, began: clock.now, caughtUp: false, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(7), now: clock.now), .poll)
        schedule.commitSucceeded()
        XCTAssertEqual(schedule.state, .due)
        XCTAssertEqual(schedule.pollTimeout(pending(7), now: clock.now), .zero)
        XCTAssertEqual(
            schedule.decide(pending(7), now: clock.now), .commit,
            "due since the commit in flight, whatever the rules say now")
    }

    func testAFencedCommitCanLeaveADueScheduleWithNothingToCommit() {
        var schedule = makeSchedule()
        schedule.commitBegan(inBackground: true, now: clock.now)
        clock.advance(by: .milliseconds(20))
        schedule.pollEnded(visited: 1, began: clock.now, caughtUp: true, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(3), now: clock.now), .poll)
        XCTAssertEqual(schedule.state, .committing(pendingDue: true))
        schedule.commitSucceeded()
        XCTAssertEqual(schedule.decide(pending(0), now: clock.now), .poll)
        XCTAssertEqual(schedule.state, .ready)
    }

    func testAPendingBatchAtMaxPendingEventsWaitsForTheCommitInFlight() {
        var schedule = makeSchedule(maxBatchEvents: 10)
        schedule.commitBegan(inBackground: true, now: clock.now)
        XCTAssertEqual(schedule.decide(pending(99, age: .seconds(1)), now: clock.now), .poll)
        XCTAssertEqual(schedule.decide(pending(100, age: .seconds(1)), now: clock.now), .awaitCommitThenCommit)
    }

    func testFailedCommitsBackOffAndRetryOnlyWhenTheBackoffIsOver() {
        var schedule = makeSchedule()
        schedule.commitBegan(inBackground: true, now: clock.now)
        let first = schedule.commitFailed(now: clock.now, jitter: 0)
        XCTAssertEqual(first.delay, .milliseconds(50))
        XCTAssertFalse(first.budgetNewlyExhausted)
        XCTAssertTrue(schedule.isFailing)
        XCTAssertEqual(
            schedule.decide(pending(5, age: .seconds(5)), now: clock.now), .poll, "not before the backoff, however old")
        XCTAssertEqual(schedule.pollTimeout(pending(5), now: clock.now), .milliseconds(50))
        clock.advance(by: .milliseconds(50))
        XCTAssertEqual(schedule.decide(pending(5), now: clock.now), .retry)
        XCTAssertEqual(schedule.commitFailed(now: clock.now, jitter: 0).delay, .milliseconds(100), "the backoff grows")
        XCTAssertEqual(schedule.pollLimit(pending(5)), 50, "a failing store does not limit polls; a full batch pauses")
    }

    func testTheRetryBudgetIsExhaustedOnceAndASuccessEndsTheFailure() {
        var schedule = makeSchedule(maxBatchEvents: 10, retryBudget: .seconds(1))
        XCTAssertFalse(schedule.commitFailed(now: clock.now, jitter: 0).budgetNewlyExhausted)
        clock.advance(by: .milliseconds(999))
        XCTAssertFalse(schedule.commitFailed(now: clock.now, jitter: 0).budgetNewlyExhausted)
        clock.advance(by: .milliseconds(1))
        XCTAssertTrue(schedule.commitFailed(now: clock.now, jitter: 0).budgetNewlyExhausted)
        clock.advance(by: .seconds(1))
        XCTAssertFalse(schedule.commitFailed(now: clock.now, jitter: 0).budgetNewlyExhausted, "said once")
        XCTAssertTrue(schedule.shouldPauseForFullBatch(pending(10)))
        XCTAssertFalse(schedule.shouldPauseForFullBatch(pending(9)))

        XCTAssertTrue(schedule.commitSucceeded(), "commits were failing until now")
        XCTAssertEqual(schedule.state, .ready)
        XCTAssertFalse(schedule.shouldPauseForFullBatch(pending(10)))
        XCTAssertFalse(
            schedule.commitFailed(now: clock.now, jitter: 0).budgetNewlyExhausted,
            "a new run of failures has a new budget")
    }
}
