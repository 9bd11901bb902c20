import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps a librdkafka handle alive while any thread uses it, and lets it be destroyed once, safely: a
/// destroy waits for the calls in progress to return, and every later call is refused. With the client's
/// callbacks silenced first, nothing of librdkafka reaches Swift once the destroy has returned (librdkafka
/// joins its threads in `rd_kafka_destroy`), whatever the order in which a program's parts stop.
final class HandleGuard: Sendable {
    private let state = Mutex<(users: Int, destroyed: Bool)>((0, false))

    /// Whether the handle was destroyed (or is being destroyed).
    var isDestroyed: Bool { state.withLock { $0.destroyed } }

    /// Runs `body` while the handle stays alive.
    /// - Throws: ``KafkaError/Code/closed`` once the handle is destroyed; what `body` throws.
    func use<Value>(_ operation: String, _ body: () throws(KafkaError) -> Value) throws(KafkaError) -> Value {
        let admitted = state.withLock { state -> Bool in
            guard !state.destroyed else { return false }
            state.users += 1
            return true
        }
        guard admitted else { throw KafkaError(code: .closed, message: "\(operation) on a destroyed client") }
        defer { state.withLock { $0.users -= 1 } }
        return try body()
    }

    /// Refuses new calls, waits for those in progress, then runs `destroy` once.
    /// - Returns: Whether this call destroyed the handle (`false`: it was already).
    @discardableResult
    func destroy(_ destroy: () -> Void) -> Bool {
        let first = state.withLock { state -> Bool in
            defer { state.destroyed = true }
            return !state.destroyed
        }
        guard first else { return false }
        while state.withLock({ $0.users }) > 0 { usleep(1_000) }
        destroy()
        return true
    }
}
