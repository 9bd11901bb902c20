import Synchronization

/// Whether the pipeline was asked to stop, and whether the stop also gives up retrying a failing store.
/// Safe from any thread: a service's shutdown handler asks, the pipeline's thread reads and tells its
/// machine.
///
/// A stop only ever goes further: a graceful stop asked for after an abandoning one does not undo it.
final class StopRequest: Sendable {
    private let current = Mutex(StopLevel.none)

    /// How far a stop has gone now.
    var level: StopLevel { current.withLock { $0 } }

    /// Whether the loop is stopping.
    var isRequested: Bool { level != .none }

    /// Whether a stop gives up retrying, so that a final or revocation flush should end its waits.
    var isAbandoning: Bool { level == .abandoning }

    /// The level now, when it went further than `told`, which it updates (the pipeline tells its machine).
    func news(since told: inout StopLevel) -> StopLevel? {
        let now = level
        guard now > told else { return nil }
        told = now
        return now
    }

    /// Asks for a stop; `abandoningRetries` also gives up retrying.
    func request(abandoningRetries: Bool) {
        current.withLock { level in
            level = max(level, abandoningRetries ? .abandoning : .graceful)
        }
    }
}
