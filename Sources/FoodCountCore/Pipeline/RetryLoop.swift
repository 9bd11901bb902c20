import Foundation
import Logging

/// Retries what the pipeline cannot go on without: reading stored offsets, and the flushes before a
/// revocation or a shutdown. Backs off by the retry policy between attempts, and ends its waits soon after a
/// stop abandons retries.
///
/// Time comes from an injected clock and waiting from an injected `sleep`, so that tests neither sleep nor
/// start threads; the pipeline passes the continuous clock and `Thread.sleep`.
struct RetryLoop<C: Clock> where C.Duration == Duration {
    /// The longest a pause sleeps before it checks for an abandoning stop again.
    static var pauseSlice: Duration { .milliseconds(50) }

    let policy: RetryPolicy
    let stop: StopRequest
    let logger: Logger
    let clock: C
    /// Blocks the calling thread for a duration.
    let sleep: (Duration) -> Void
    /// A number in 0..<1 for the policy's jitter.
    let random: () -> Double

    /// Creates a loop.
    init(
        policy: RetryPolicy,
        stop: StopRequest,
        logger: Logger,
        clock: C,
        sleep: @escaping (Duration) -> Void = { Thread.sleep(forTimeInterval: max(0, $0.seconds)) },
        random: @escaping () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.policy = policy
        self.stop = stop
        self.logger = logger
        self.clock = clock
        self.sleep = sleep
        self.random = random
    }

    /// Reads stored offsets, retrying transient failures with backoff until a stop is requested.
    /// - Throws: A failure that retrying cannot fix, or the last one once a stop is requested.
    func readingStore<Value>(_ read: () throws(StoreError) -> Value) throws(StoreError) -> Value {
        var attempt = 0
        while true {
            let failure: StoreError
            do {
                return try read()
            } catch {
                failure = error
            }
            guard failure.isTransient, !stop.isRequested else { throw failure }
            attempt += 1
            let delay = policy.delay(attempt: attempt, random: random())
            logger.warning(
                "reading stored offsets failed; retrying", metadata: ["delay": "\(delay)", "error": "\(failure)"])
            pause(delay)
        }
    }

    /// Makes attempts until one succeeds, for at most `budget`, backing off between them; an abandoning stop
    /// ends the retries.
    /// - Parameter attempt: One attempt, given the instant its own waits must end by; `true` when it succeeded.
    /// - Returns: Whether an attempt succeeded.
    func retrying(within budget: Duration, _ attempt: (C.Instant) throws -> Bool) rethrows -> Bool {
        let deadline = clock.now.advanced(by: budget)
        var attempts = 0
        while true {
            if try attempt(deadline) { return true }
            attempts += 1
            guard clock.now < deadline, !stop.isAbandoning else { return false }
            pause(min(policy.delay(attempt: attempts, random: random()), clock.now.duration(to: deadline)))
        }
    }

    /// Waits for `delay` in slices of at most ``pauseSlice``, so that an abandoning stop is noticed quickly.
    func pause(_ delay: Duration) {
        let deadline = clock.now.advanced(by: delay)
        while clock.now < deadline, !stop.isAbandoning {
            sleep(min(Self.pauseSlice, clock.now.duration(to: deadline)))
        }
    }
}
