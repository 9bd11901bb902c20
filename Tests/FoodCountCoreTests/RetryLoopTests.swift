import Logging
import XCTest

@testable import FoodCountCore

/// The pipeline's retries of store reads and flushes, on a manual clock that its sleeps advance: no threads,
/// no sleeps.
final class RetryLoopTests: XCTestCase {
    private let clock = ManualClock()
    private let stop = StopRequest()
    private let transient = StoreError(code: .busy, message: "locked")

    /// A loop whose backoff is 100 ms, 200 ms, 400 ms… without jitter; each sleep is kept, then advances the clock.
    private func makeLoop(sleeps: LockedBox<[Duration]> = LockedBox([])) -> RetryLoop<ManualClock> {
        RetryLoop(
            policy: RetryPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(10), jitter: 0), stop: stop,
            logger: Logger(label: "test"), clock: clock,
            sleep: { [clock] in
                sleeps.value.append($0)
                clock.advance(by: $0)
            },
            random: { 0 })
    }

    func testAStoreReadRetriesTransientFailuresWithBackoffUntilItSucceeds() throws {
        let sleeps = LockedBox<[Duration]>([])
        var failuresLeft = 2
        let value = try makeLoop(sleeps: sleeps).readingStore { () throws(StoreError) -> Int in
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw transient
            }
            return 7
        }
        XCTAssertEqual(value, 7)
        XCTAssertEqual(clock.now.offset, .milliseconds(300), "100 ms, then 200 ms")
        XCTAssertTrue(sleeps.value.allSatisfy { $0 <= RetryLoop<ManualClock>.pauseSlice }, "slept in short slices")
    }

    func testAStoreReadThrowsAFailureThatRetryingCannotFixAtOnce() {
        var reads = 0
        XCTAssertThrowsError(
            try makeLoop().readingStore { () throws(StoreError) in
                reads += 1
                throw StoreError(code: .corrupt, message: "not a database")
            }
        ) { XCTAssertEqual(($0 as? StoreError)?.code, .corrupt) }
        XCTAssertEqual(reads, 1)
        XCTAssertEqual(clock.now.offset, .zero)
    }

    func testAStoreReadGivesUpOnceAStopIsRequested() {
        stop.request(abandoningRetries: false)
        var reads = 0
        XCTAssertThrowsError(
            try makeLoop().readingStore { () throws(StoreError) in
                reads += 1
                throw transient
            }
        ) { XCTAssertEqual(($0 as? StoreError)?.code, .busy) }
        XCTAssertEqual(reads, 1)
    }

    func testRetryingEndsWhenTheBudgetIsSpentAndNoWaitOutlastsIt() {
        var deadlines: [ManualClock.Instant] = []
        let succeeded = makeLoop().retrying(within: .milliseconds(250)) { deadline in
            deadlines.append(deadline)
            return false
        }
        XCTAssertFalse(succeeded)
        XCTAssertEqual(deadlines.count, 3, "at 0, 100 and 250 ms: the 200 ms backoff is cut to the budget's end")
        XCTAssertEqual(Set(deadlines.map(\.offset)), [.milliseconds(250)], "each attempt waits until the budget ends")
        XCTAssertEqual(clock.now.offset, .milliseconds(250))
    }

    func testRetryingStopsAtTheFirstAttemptThatSucceeds() {
        var attempts = 0
        let succeeded = makeLoop().retrying(within: .seconds(5)) { _ in
            attempts += 1
            return attempts == 2
        }
        XCTAssertTrue(succeeded)
        XCTAssertEqual(attempts, 2)
        XCTAssertEqual(clock.now.offset, .milliseconds(100))
    }

    func testAnAbandoningStopEndsRetryingAfterTheAttemptUnderWay() {
        var attempts = 0
        let succeeded = makeLoop().retrying(within: .seconds(5)) { _ in
            attempts += 1
            stop.request(abandoningRetries: true)
            return false
        }
        XCTAssertFalse(succeeded)
        XCTAssertEqual(attempts, 1)
        XCTAssertEqual(clock.now.offset, .zero)
    }

    func testAPauseEndsWithinASliceOfAnAbandoningStop() {
        let sleeps = LockedBox<[Duration]>([])
        let loop = RetryLoop(
            policy: RetryPolicy(), stop: stop, logger: Logger(label: "test"), clock: clock,
            sleep: { [clock, stop] in
                sleeps.value.append($0)
                clock.advance(by: $0)
                if clock.now.offset >= .milliseconds(120) { stop.request(abandoningRetries: true) }
            })
        loop.pause(.seconds(10))
        XCTAssertEqual(sleeps.value, [.milliseconds(50), .milliseconds(50), .milliseconds(50)])
        XCTAssertEqual(clock.now.offset, .milliseconds(150))
    }

    func testAGracefulStopDoesNotShortenAPause() {
        stop.request(abandoningRetries: false)
        makeLoop().pause(.milliseconds(130))
        XCTAssertEqual(clock.now.offset, .milliseconds(130))
    }
}
