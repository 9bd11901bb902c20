import ServiceLifecycle
import Synchronization

/// The datafeed's sending as a service: a graceful shutdown (SIGINT or SIGTERM) sets its ``StopSignal``, and
/// the sending stops after the events already sent are acknowledged.
final class FeedService: Service, Sendable {
    private let body: @Sendable (StopSignal) async throws -> Int
    private let stop = StopSignal()
    private let failures = Atomic<Int>(0)

    /// Creates the service.
    /// - Parameter body: Sends until done or stopped; returns how many events failed.
    init(_ body: @escaping @Sendable (StopSignal) async throws -> Int) {
        self.body = body
    }

    /// How many events failed, once ``run()`` has returned.
    var failed: Int { failures.load(ordering: .acquiring) }

    func run() async throws {
        try await withGracefulShutdownHandler {
            failures.store(try await body(stop), ordering: .releasing)
        } onGracefulShutdown: { [stop] in
            stop.set()
        }
    }
}
