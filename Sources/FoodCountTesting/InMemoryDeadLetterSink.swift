import FoodCountCore
import Synchronization

/// A `DeadLetterSink` that keeps letters in memory, with a hook to make writes fail.
public final class InMemoryDeadLetterSink: DeadLetterSink, Sendable {
    /// The error a failing write reports.
    public struct WriteFailure: Error, Hashable {
        /// Creates the error.
        public init() {}
    }

    private struct State {
        var letters: [DeadLetter] = []
        var failuresLeft = 0
    }

    private let state = Mutex(State())

    /// Creates an empty sink.
    public init() {}

    /// Every acknowledged letter, in order.
    public var letters: [DeadLetter] { state.withLock { $0.letters } }

    /// Makes the next `count` calls to ``send(_:)`` fail for every letter.
    public func failNextSends(_ count: Int) {
        state.withLock { $0.failuresLeft += count }
    }

    /// Implements `DeadLetterSink.send`.
    public func send(_ letters: [DeadLetter]) -> [(any Error)?] {
        state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                return letters.map { _ in WriteFailure() }
            }
            state.letters += letters
            return letters.map { _ in nil }
        }
    }
}
