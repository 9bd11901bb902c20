import FoodCountCore
import Synchronization

/// A clock that moves only when it is told to, so that timing rules are tested without sleeping: step tests,
/// the simulator, and any service's own tests of code that takes a `Clock`.
///
/// Its instants are `ContinuousClock` instants (from the moment it was made), so code written for the
/// continuous clock's instants runs on it unchanged. Tasks sleeping on it resume when ``advance(by:)`` passes
/// their deadline.
public final class ManualClock: Clock, Sendable {
    /// An instant of the clock.
    public typealias Instant = ContinuousClock.Instant

    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let state: Mutex<(now: Instant, sleepers: [Int: Sleeper], next: Int)>

    /// Creates a clock that reads `start` until it is advanced.
    public init(start: Instant = .now) {
        state = Mutex((start, [:], 0))
    }

    /// The current instant.
    public var now: Instant { state.withLock { $0.now } }

    /// The smallest step: a nanosecond.
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Moves the clock forward, and resumes the tasks whose sleep ends by then.
    public func advance(by duration: Duration) {
        advance(to: now.advanced(by: duration))
    }

    /// Moves the clock to `instant` if that is later, and resumes the tasks whose sleep ends by then.
    public func advance(to instant: Instant) {
        let woken = state.withLock { state -> [Sleeper] in
            guard instant > state.now else { return [] }
            state.now = instant
            let due = state.sleepers.filter { $0.value.deadline <= instant }
            for key in due.keys { state.sleepers.removeValue(forKey: key) }
            return Array(due.values)
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Suspends until the clock is advanced to `deadline`, or the task is cancelled.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    guard state.now < deadline else { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}

extension ManualClock: PipelineClock {
    /// A pipeline's backoff on a manual clock passes at once: the clock moves to its end.
    package func sleep(until deadline: Instant, interrupted: () -> Bool) {
        guard !interrupted() else { return }
        advance(to: deadline)
    }
}
