import Synchronization

/// Whether the pipeline was asked to stop, and whether the stop also gives up retrying a failing store.
/// Safe from any thread: a service's shutdown handler asks, the pipeline's thread reads.
///
/// A stop only ever goes further: a graceful stop asked for after an abandoning one does not undo it.
final class StopRequest: Sendable {
    /// How far a stop has gone.
    enum State: Equatable {
        /// No stop was asked for.
        case running
        /// Flush, leave the group and return.
        case stopping
        /// As `stopping`, and give up retrying at once.
        case abandoning
    }

    private let current = Mutex(State.running)

    /// How far a stop has gone now.
    var state: State { current.withLock { $0 } }

    /// Whether the loop is stopping, so that waiting on the dead-letter sink from it should end.
    var isRequested: Bool { state != .running }

    /// Whether a stop gives up retrying, so that a final or revocation flush should end its waits.
    var isAbandoning: Bool { state == .abandoning }

    /// Asks for a stop; `abandoningRetries` also gives up retrying.
    func request(abandoningRetries: Bool) {
        current.withLock { state in
            state = abandoningRetries || state == .abandoning ? .abandoning : .stopping
        }
    }
}
