import FoodCountCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// One PostgreSQL connection for callers that block (the pipeline's thread): each call starts work on a
/// dedicated event loop and waits for its future, so no thread of Swift's cooperative pool is ever blocked
/// by the store. Reconnects at next use after the connection dropped. Transactions run one at a time.
final class PostgresSession: Sendable {
    /// The store's own event loop: postgres-nio's I/O runs here, never on the caller's thread.
    static let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private let location: PostgresLocation
    private let lockTimeout: Duration
    private let connectTimeout: Duration
    private let sharesCountsLock: Bool
    private let logger: Logger
    private let connection = Mutex<PostgresConnection?>(nil)
    private let nextID = Atomic<Int>(1)
    /// Held for a whole transaction: callers on several threads must not interleave statements on the one
    /// connection.
    private let serial = NSLock()

    /// Creates a session; it connects at first use.
    /// - Parameters:
    ///   - location: The database.
    ///   - lockTimeout: How long a statement waits for a lock.
    ///   - connectTimeout: How long connecting may take.
    ///   - sharesCountsLock: Whether each connection takes the database's counts lock shared, refusing to
    ///     connect (`busy`) while a rewrite holds it: a counting store's session does.
    ///   - logger: Where postgres-nio logs.
    init(
        location: PostgresLocation, lockTimeout: Duration, connectTimeout: Duration, sharesCountsLock: Bool,
        logger: Logger
    ) {
        self.sharesCountsLock = sharesCountsLock
        self.location = location
        self.lockTimeout = lockTimeout
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    deinit {
        // Closing completes on the event loop; the callback keeps the connection until it has.
        if let current = connection.withLock({ $0 }) { current.close().whenComplete { _ in _ = current } }
    }

    /// How a transaction sees other transactions' commits.
    enum Isolation: String {
        /// Each statement sees what was committed before it started: the commits.
        case readCommitted = "READ COMMITTED"
        /// Every statement sees what was committed before the first one, and nothing is written: one
        /// consistent read of several tables.
        case snapshot = "REPEATABLE READ READ ONLY"
    }

    /// Runs statements in one transaction; rolls back and rethrows when `body` throws.
    ///
    /// A connection the server ended while it was idle (an administrator, a restart, a network cut) is only
    /// noticed when used: when its `BEGIN` fails so, nothing has run, and the transaction starts once more on
    /// a new connection.
    func transaction<Value>(
        context: String, isolation: Isolation = .readCommitted, _ body: (Transaction) throws(StoreError) -> Value
    ) throws(StoreError) -> Value {
        serial.lock()
        defer { serial.unlock() }
        var connection = try currentConnection(context: context)
        let begin = PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation.rawValue)")
        do {
            try transaction(on: connection, context: context).run(begin)
        } catch {
            drop(connection)
            guard connection.isClosed || error.code == .unavailable else { throw error }
            connection = try currentConnection(context: context)
            try transaction(on: connection, context: context).run(begin)
        }
        let transaction = transaction(on: connection, context: context)
        do {
            let value = try body(transaction)
            try transaction.run("COMMIT")
            return value
        } catch {
            if connection.isClosed {
                drop(connection)
            } else {
                do { try transaction.run("ROLLBACK") } catch { drop(connection) }
            }
            throw error
        }
    }

    /// Closes the connection; the next use opens another.
    func close() {
        guard
            let current = connection.withLock({ current in
                defer { current = nil }; return current
            })
        else { return }
        Self.close(current)
    }

    /// The open connection, connecting first when there is none or it dropped.
    private func currentConnection(context: String) throws(StoreError) -> PostgresConnection {
        if let current = connection.withLock({ $0 }), !current.isClosed { return current }
        let configuration = try location.connectionConfiguration(connectTimeout: connectTimeout)
        let fresh: PostgresConnection
        do {
            fresh = try BoundedWait.answer(
                to: PostgresConnection.connect(
                    on: Self.eventLoopGroup.next(), configuration: configuration,
                    id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, logger: logger),
                on: nil, within: connectTimeout + .seconds(10), what: "\(context): connecting")
        } catch {
            throw StoreError(postgres: error, context: "\(context): connecting to \(location)")
        }
        do {
            let milliseconds =
                lockTimeout.components.seconds * 1000
                + lockTimeout.components.attoseconds / 1_000_000_000_000_000
            _ = try BoundedWait.answer(
                to: fresh.query(PostgresQuery(unsafeSQL: "SET lock_timeout = \(milliseconds)"), logger: logger),
                on: fresh, within: connectTimeout, what: "\(context): setting up the session")
            if sharesCountsLock {
                let rows = try BoundedWait.answer(
                    to: fresh.query(
                        "SELECT pg_try_advisory_lock_shared(hashtext(\(PostgresSchema.countsLock)))", logger: logger),
                    on: fresh, within: connectTimeout, what: "\(context): taking the counts lock shared")
                guard try PostgresSchema.decode(Bool.self, rows.first) else {
                    throw StoreError(
                        code: .busy,
                        message: "a foodcount command is rewriting the counts in \(location) (it holds the counts lock)"
                    )
                }
            }
        } catch {
            Self.close(fresh)
            throw error as? StoreError ?? StoreError(postgres: error, context: "\(context): setting up the session")
        }
        let previous = connection.withLock { current in
            defer { current = fresh }
            return current
        }
        if let previous { Self.close(previous) }
        return fresh
    }

    private func drop(_ dropped: PostgresConnection) {
        let wasCurrent = connection.withLock { current in
            guard current === dropped else { return false }
            current = nil
            return true
        }
        if wasCurrent { Self.close(dropped) }
    }

    /// A transaction's statements on `connection`, each waited for until the lock timeout and a minute more.
    private func transaction(on connection: PostgresConnection, context: String) -> Transaction {
        Transaction(connection: connection, logger: logger, context: context, limit: lockTimeout + .seconds(60))
    }

    /// Closes a connection, waiting a few seconds at most.
    static func close(_ connection: PostgresConnection) {
        _ = try? BoundedWait.answer(to: connection.close(), on: nil, within: .seconds(5), what: "closing")
    }

    /// Statements inside a transaction, each waited for.
    struct Transaction {
        let connection: PostgresConnection
        let logger: Logger
        let context: String
        /// How long a statement's answer is waited for.
        let limit: Duration

        /// Runs a statement and collects its rows.
        @discardableResult
        func run(_ query: PostgresQuery) throws(StoreError) -> PostgresQueryResult {
            do {
                return try BoundedWait.answer(
                    to: connection.query(query, logger: logger), on: connection, within: limit, what: context)
            } catch {
                throw StoreError(postgres: error, context: context)
            }
        }
    }
}
