import FoodCountCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Reads the counts the API serves from a PostgreSQL database's `food_counts`, without blocking: it awaits
/// postgres-nio's futures on the store's own event loop. Keeps one connection and reconnects after it drops.
///
/// Rows whose categories are canonically equal (``CategoryForm``) are summed under the canonical spelling,
/// as the SQLite reader does. A missing table reads as no counts; an unreachable server fails as
/// `unavailable`.
public final class PostgresCountReader: CountReader {
    private let location: PostgresLocation
    private let connectTimeout: Duration
    private let logger: Logger
    private let connection = Mutex<PostgresConnection?>(nil)

    /// Creates a reader; it connects at first use.
    /// - Parameters:
    ///   - location: The database.
    ///   - connectTimeout: How long connecting may take.
    ///   - logger: Where postgres-nio logs.
    public init(
        location: PostgresLocation, connectTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "foodcount.reader.postgres")
    ) {
        self.location = location
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    deinit {
        // Closing completes on the event loop; the callback keeps the connection until it has.
        if let current = connection.withLock({ $0 }) { current.close().whenComplete { _ in _ = current } }
    }

    /// Implements `CountReader.counts`.
    public func counts() async throws(StoreError) -> [String: Int64] {
        let rows: PostgresQueryResult
        do {
            let connection = try await currentConnection()
            rows = try await connection.query("SELECT category, count FROM food_counts", logger: logger).get()
        } catch {
            let failure = StoreError(postgres: error, context: "reading the counts")
            if let underlying = failure.underlying as? PostgresError, underlying.sqlState == "42P01" { return [:] }
            if (failure.underlying as? PostgresError)?.sqlState == nil { dropConnection() }
            throw failure
        }
        var counts: [String: Int64] = [:]
        for row in rows {
            let (category, count) = try PostgresSchema.decode((String, Int64).self, row)
            counts[CategoryForm.canonical(category), default: 0] += count
        }
        return counts
    }

    /// Closes the connection; the next read opens another.
    public func close() async {
        guard
            let current = connection.withLock({ current in
                defer { current = nil }
                return current
            })
        else { return }
        try? await current.close()
    }

    private func currentConnection() async throws -> PostgresConnection {
        if let current = connection.withLock({ $0 }), !current.isClosed { return current }
        let fresh = try await PostgresConnection.connect(
            on: PostgresSession.eventLoopGroup.next(),
            configuration: try location.connectionConfiguration(connectTimeout: connectTimeout), id: 0, logger: logger
        ).get()
        // Another request may have connected meanwhile: keep its connection.
        let kept = connection.withLock { current -> PostgresConnection in
            if let current, !current.isClosed { return current }
            current = fresh
            return fresh
        }
        if kept !== fresh { try? await fresh.close() }
        return kept
    }

    private func dropConnection() {
        if let dropped = connection.withLock({ current in
            defer { current = nil }; return current
        }) {
            dropped.close().whenComplete { _ in _ = dropped }
        }
    }
}
