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
///
/// The version (the API's entity tag) is made of the counts themselves, their total and a 64-bit digest:
/// PostgreSQL keeps no change counter that is both exact and cheap, so a `304 Not Modified` still reads the
/// table, but spares the encoding and the transfer. Counts only grow between rebuilds, so two tables with
/// one version would need the same total and the same digest.
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

    /// Implements `CountReader.versionedCounts`: the counts and a digest of them.
    public func versionedCounts() async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        let counts = try await counts()
        return (counts, Self.digest(of: counts))
    }

    /// Implements `CountReader.currentVersion`: the digest of the counts as they are now.
    public func currentVersion() async throws(StoreError) -> String? {
        try await versionedCounts().version
    }

    /// The total, and FNV-1a over the categories (sorted) and their counts: equal for equal counts, in every
    /// process.
    static func digest(of counts: [String: Int64]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (category, count) in counts.sorted(by: { $0.key < $1.key }) {
            for byte in category.utf8 + [0] + Array("\(count)".utf8) + [0] {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
        }
        return "pg-\(counts.values.reduce(0, +))-" + String(hash, radix: 16)
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
