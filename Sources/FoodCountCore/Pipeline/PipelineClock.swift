import Foundation

/// The executor's time: when now is, and how a backoff waits. The system clock in production; a manual one
/// (`FoodCountTesting.ManualClock`) in step tests and the simulator, where waiting moves time instead.
package protocol PipelineClock: Sendable {
    /// The current instant.
    var now: ContinuousClock.Instant { get }

    /// Blocks until `deadline`, or until `interrupted` says so (checked at least every 50 ms).
    func sleep(until deadline: ContinuousClock.Instant, interrupted: () -> Bool)
}

/// The continuous clock, with waits in slices of at most 50 ms so that a stop ends them quickly.
struct SystemPipelineClock: PipelineClock {
    var now: ContinuousClock.Instant { .now }

    func sleep(until deadline: ContinuousClock.Instant, interrupted: () -> Bool) {
        while !interrupted() {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return }
            Thread.sleep(forTimeInterval: min(left, .milliseconds(50)) / .seconds(1))
        }
    }
}
