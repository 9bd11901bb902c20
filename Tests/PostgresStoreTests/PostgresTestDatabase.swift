import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import PostgresStore
import TestSupport

/// A fresh database of its own on the tests' PostgreSQL server, and blocking statements on it as the
/// server's superuser (tests provoke conditions with them; the store's own code is not used for that).
final class PostgresTestDatabase: Sendable {
    /// The fresh database.
    let location: PostgresLocation
    private let server: PostgresLocation

    /// Creates a database named `foodcount_test_<random>`.
    init() throws {
        server = try PostgresLocation(url: try TestEnvironment.postgres)
        let name = "foodcount_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        location = server.with(database: name)
        try Self.execute(on: server, "CREATE DATABASE \(name)")
    }

    /// Drops the database, disconnecting whoever is still connected.
    func drop() throws {
        try Self.execute(on: server, "DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)")
    }

    /// Runs statements on the database, on a connection of their own; returns the first column of each row of
    /// the last one, as text.
    @discardableResult
    func execute(_ statements: String...) throws -> [String] {
        try Self.execute(on: location, statements)
    }

    /// Runs statements on the server's `postgres` database (for statements about this database, which its
    /// own settings may refuse); returns the first column of each row of the last one, as text.
    @discardableResult
    func executeOnServer(_ statements: String...) throws -> [String] {
        try Self.execute(on: server, statements)
    }

    /// Opens a connection that stays open (to hold a lock): close it with ``Connection/close()``.
    func connect() throws -> Connection { try Connection(location: location) }

    /// A connection of the test's own, for statements that must share a session.
    final class Connection: Sendable {
        private let connection: PostgresConnection

        init(location: PostgresLocation) throws {
            var configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: .disable)
            configuration.options.connectTimeout = .seconds(10)
            connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1,
                logger: Logger(label: "test.postgres")
            ).wait()
        }

        /// Runs a statement; returns the first column of each row, as text.
        @discardableResult
        func execute(_ sql: String) throws -> [String] {
            let result = try connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test.postgres"))
                .wait()
            return try result.rows.map { row in try row.decode(String?.self) ?? "" }
        }

        /// Closes the connection.
        func close() throws { try connection.close().wait() }

        deinit {
            if !connection.isClosed {
                let connection = self.connection
                connection.close().whenComplete { _ in _ = connection }
            }
        }
    }

    private static func execute(on location: PostgresLocation, _ statements: [String]) throws -> [String] {
        let connection = try Connection(location: location)
        defer { try? connection.close() }
        var last: [String] = []
        for statement in statements { last = try connection.execute(statement) }
        return last
    }

    private static func execute(on location: PostgresLocation, _ statement: String) throws {
        _ = try execute(on: location, [statement])
    }
}
