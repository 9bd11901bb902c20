import FoodCountCore
import Foundation
import Synchronization

/// A `DeadLetterSink` that keeps letters in memory, with hooks to make writes fail or hang.
public final class InMemoryDeadLetterSink: DeadLetterSink, Sendable {
    /// The error a failing write reports.
    public struct WriteFailure: Error, Hashable {
        /// Creates the error.
        public init() {}
    }

    private struct State {
        var letters: [DeadLetter] = []
        var failuresLeft = 0
        var hanging = false
        var sends = 0
    }

    private let state = Mutex(State())

    /// Creates an empty sink.
    public init() {}

    /// Every acknowledged letter, in order.
    public var letters: [DeadLetter] { state.withLock { $0.letters } }

    /// How many times ``send(_:deadline:shouldStop:)`` was called.
    public var sendCount: Int { state.withLock { $0.sends } }

    /// Makes the next `count` calls to ``send(_:deadline:shouldStop:)`` fail for every letter.
    public func failNextSends(_ count: Int) {
        state.withLock { $0.failuresLeft += count }
    }

    /// Makes sends wait for acknowledgements that never come (a broker that accepts and never answers),
    /// until ``answer()``: each send then waits until its deadline or its stop and fails.
    public func hang() {
        state.withLock { $0.hanging = true }
    }

    /// Ends ``hang()``: later sends are acknowledged again.
    public func answer() {
        state.withLock { $0.hanging = false }
    }

    /// Implements `DeadLetterSink.send`.
    public func send(_ letters: [DeadLetter], deadline: ContinuousClock.Instant, shouldStop: () -> Bool) -> [(
        any Error
    )?] {
        state.withLock { $0.sends += 1 }
        while state.withLock({ $0.hanging }) {
            guard ContinuousClock.now < deadline, !shouldStop() else { return letters.map { _ in WriteFailure() } }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                return letters.map { _ in WriteFailure() }
            }
            state.letters += letters
            return letters.map { _ in nil }
        }
    }
}
