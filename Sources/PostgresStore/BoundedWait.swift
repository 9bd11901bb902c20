import Dispatch
import FoodCountCore
import NIOCore
import PostgresNIO
import Synchronization

/// Waiting for postgres-nio from a blocking caller, but never for ever.
///
/// postgres-nio can leave a future unanswered when the server ends the session at certain moments: a
/// session ended while the store was setting up a new connection left its `SET lock_timeout` unanswered
/// for minutes with no session left on the server (`PostgresCountStoreTests`, the commits under ended
/// sessions). A blocking `wait()` there hangs the pipeline's thread. So each wait here ends at the first of:
/// the answer; the connection's end (after a short grace, so that the answer's own error, such as the
/// server's SQLSTATE, wins when it comes); or a deadline, after which the connection is closed. The last two
/// are `unavailable`, which callers retry on a new connection.
enum BoundedWait {
    /// How long the answer's own error has to arrive after the connection ended.
    static let grace: Duration = .milliseconds(250)
    /// How often a wait checks whether the connection ended.
    private static let slice: DispatchTimeInterval = .milliseconds(100)

    /// Waits for `future`.
    /// - Parameters:
    ///   - future: What postgres-nio answers.
    ///   - connection: The connection it runs on, whose end also ends the wait; `nil` while connecting.
    ///   - limit: The deadline, from now.
    ///   - what: What is waited for, for the error's message.
    /// - Returns: The answer.
    /// - Throws: The future's error, or `StoreError` `unavailable` when the connection ended unanswered or
    ///   the deadline passed.
    static func answer<Value: Sendable>(
        to future: EventLoopFuture<Value>, on connection: PostgresConnection?, within limit: Duration, what: String
    ) throws -> Value {
        let outcome = Mutex<Result<Value, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        @Sendable func settle(_ result: Result<Value, any Error>) {
            let first = outcome.withLock { current in
                guard current == nil else { return false }
                current = result
                return true
            }
            if first { done.signal() }
        }
        future.whenComplete { settle($0) }
        // Waits in slices, to notice the connection's end without a callback on it per statement (callbacks
        // on its close future would pile up for as long as the connection lives).
        let deadline = DispatchTime.now() + .nanoseconds(Int(clamping: limit.nanoseconds))
        var endedAt: DispatchTime?
        while done.wait(timeout: min(deadline, .now() + slice)) == .timedOut {
            let now = DispatchTime.now()
            if now >= deadline {
                settle(.failure(StoreError(code: .unavailable, message: "\(what): no answer within \(limit)")))
                connection?.close().whenComplete { _ in }
                break
            }
            guard let connection, connection.isClosed else { continue }
            if let endedAt, now >= endedAt + .nanoseconds(Int(clamping: grace.nanoseconds)) {
                settle(.failure(StoreError(code: .unavailable, message: "\(what): the connection ended unanswered")))
                break
            }
            endedAt = endedAt ?? now
        }
        // Set before the semaphore is signalled, by whichever settled first.
        return try outcome.withLock { $0! }.get()
    }
}

extension Duration {
    /// The whole nanoseconds in it (saturating).
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
