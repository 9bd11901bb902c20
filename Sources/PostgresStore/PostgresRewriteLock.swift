import FoodCountCore
import Logging
import PostgresNIO

/// The database's counts lock, held exclusively: a session-level advisory lock, on a connection of its own,
/// that every connected ``PostgresCountStore`` holds shared. While it is held no consumer is connected, none
/// can connect, and no other command rewrites. The server releases it when the connection ends, so a killed
/// command leaves no lock behind.
public final class PostgresRewriteLock: Sendable {
    private let connection: PostgresConnection
    private let logger = Logger(label: "foodcount.store.postgres.lock")

    /// Connects and takes the lock, without waiting.
    /// - Parameter configuration: The database and the consumer group.
    /// - Throws: `StoreError`: `busy` when another session holds the lock, `unavailable` when the server
    ///   cannot be reached.
    init(configuration: PostgresCountStore.Configuration) throws(StoreError) {
        let location = configuration.location
        do {
            connection = try BoundedWait.answer(
                to: PostgresConnection.connect(
                    on: PostgresSession.eventLoopGroup.next(),
                    configuration: try location.connectionConfiguration(connectTimeout: configuration.connectTimeout),
                    id: 0,
                    logger: logger),
                on: nil, within: configuration.connectTimeout + .seconds(10), what: "connecting for the rewrite lock")
        } catch {
            throw StoreError(postgres: error, context: "connecting to \(location) for the rewrite lock")
        }
        let taken: Bool
        do {
            let rows = try BoundedWait.answer(
                to: connection.query(
                    "SELECT pg_try_advisory_lock(hashtext(\(PostgresSchema.countsLock)))", logger: logger),
                on: connection, within: configuration.connectTimeout, what: "taking the rewrite lock")
            taken = try PostgresSchema.decode(Bool.self, rows.first)
        } catch {
            PostgresSession.close(connection)
            throw error as? StoreError ?? StoreError(postgres: error, context: "taking the rewrite lock")
        }
        guard taken else {
            PostgresSession.close(connection)
            throw StoreError(
                code: .busy,
                message: "a consumer is connected to \(location), or another command is rewriting its counts")
        }
    }

    /// Releases the lock and closes its connection.
    public func release() {
        PostgresSession.close(connection)
    }

    deinit {
        if !connection.isClosed {
            let connection = self.connection
            connection.close().whenComplete { _ in _ = connection }
        }
    }
}
