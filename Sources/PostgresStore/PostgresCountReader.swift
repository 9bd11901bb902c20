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
/// The version (the API's entity tag) is the ledger row's (`foodcount_ledger`: its events and the
/// transaction that last wrote it), which every commit of a consumer and every rebuild writes in the same
/// transaction as the counts: a `304 Not Modified` and a kept body cost one row, and the counts are read
/// with it in one statement (one snapshot). A hand edit of `food_counts` is not seen until the next commit,
/// which refuses it anyway (`docs/operations.md`). Without a ledger (a database no consumer of this version
/// has opened), the version is the counts' total and a 64-bit digest of them, which reads the table.
public final class PostgresCountReader: CountReader {
    private let location: PostgresLocation
    private let connectTimeout: Duration
    let logger: Logger
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
        var counts: [String: Int64] = [:]
        for (category, count) in try await rows("SELECT category, count FROM food_counts") {
            counts[CategoryForm.canonical(category), default: 0] += count
        }
        return counts
    }

    /// The store error for a failed query, or `nil` when a table it read does not exist (SQLSTATE 42P01);
    /// a connection that failed without a server's answer is dropped.
    func failure(_ error: any Error, context: String) -> StoreError? {
        if let error = error as? StoreError { return error }
        let failure = StoreError(postgres: error, context: context)
        let state = (failure.underlying as? PostgresError)?.sqlState
        if state == "42P01" { return nil }
        if state == nil { dropConnection() }
        return failure
    }

    /// The `(category, count)` rows a query of `food_counts` answers; none when the table is missing.
    func rows(_ query: PostgresQuery, context: String = "reading the counts") async throws(StoreError) -> [(
        String, Int64
    )] {
        let result: PostgresQueryResult
        do {
            let connection = try await currentConnection()
            result = try await connection.query(query, logger: logger).get()
        } catch {
            if let failure = failure(error, context: context) { throw failure }
            return []
        }
        var rows: [(String, Int64)] = []
        for row in result { rows.append(try PostgresSchema.decode((String, Int64).self, row)) }
        return rows
    }

    /// Implements `CountReader.versionedCounts`: the counts and their version, read together.
    public func versionedCounts() async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        let (sorted, version) = try await sortedCounts()
        return (sorted.dictionary, version)
    }

    /// Implements `CountReader.currentVersion`: the ledger row's version, or the digest of the counts now.
    public func currentVersion() async throws(StoreError) -> String? {
        do {
            let connection = try await currentConnection()
            let rows = try await connection.query(Self.ledgerVersion, logger: logger).get()
            for row in rows { return try PostgresSchema.decode(String.self, row) }
        } catch {
            if let failure = failure(error, context: "reading the counts' version") { throw failure }
        }
        return try await sortedCounts().version  // no ledger: the digest of the counts
    }

    /// The ledger row's version: its events and the transaction that last wrote it.
    static let ledgerVersion: PostgresQuery =
        "SELECT 'pg-' || events || '-' || xmin::text FROM foodcount_ledger WHERE id = 1"

    /// The total, and FNV-1a over the categories (sorted) and their counts: equal for equal counts, in every
    /// process.
    static func digest(of counts: SortedCounts) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var total: Int64 = 0
        counts.forEach { category, count in
            for byte in category { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            for byte in [0] + Array("\(count)".utf8) + [0] { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            total += count
        }
        return "pg-\(total)-" + String(hash, radix: 16)
    }

    /// The digest of counts in any order (``digest(of:)-(SortedCounts)``).
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

    func currentConnection() async throws -> PostgresConnection {
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

    func dropConnection() {
        if let dropped = connection.withLock({ current in
            defer { current = nil }; return current
        }) {
            dropped.close().whenComplete { _ in _ = dropped }
        }
    }
}
