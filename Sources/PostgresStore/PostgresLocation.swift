import FoodCountCore
import Foundation
import NIOCore
import PostgresNIO

/// Where a PostgreSQL database is and how to log in: parsed from a `postgres://` URL
/// (`postgres://user:password@host:5432/database`), as `DATABASE_URL` gives it.
///
/// Only unencrypted connections are supported (`sslmode` absent, `disable` or `prefer`): run the server on
/// the same host or a private network, or behind a TLS tunnel.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The role to log in as.
    public var username: String
    /// The role's password, if it has one.
    public var password: String?
    /// The database.
    public var database: String

    /// Creates a location.
    /// - Parameters:
    ///   - host: The server's host.
    ///   - port: The server's port.
    ///   - username: The role.
    ///   - password: The role's password.
    ///   - database: The database.
    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `postgres://` or `postgresql://` URL.
    /// - Parameter url: The URL.
    /// - Throws: `StoreError` with code `incompatible` and a one-line message for a URL that cannot be used.
    public init(url: String) throws(StoreError) {
        func bad(_ why: String) -> StoreError {
            StoreError(code: .incompatible, message: "bad PostgreSQL URL: \(why)")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { throw bad("not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else { throw bad("no host") }
        guard let username = components.user, !username.isEmpty else { throw bad("no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("no database") }
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"), ("sslmode", "prefer"), ("sslmode", "allow"): continue
            case ("sslmode", let mode): throw bad("sslmode=\(mode) is not supported: connections are unencrypted")
            default: throw bad("unknown parameter '\(item.name)'")
            }
        }
        self.init(
            host: host, port: components.port ?? 5432, username: username,
            password: components.password.flatMap { $0.removingPercentEncoding }, database: database)
    }

    /// The form of a URL ``init(url:)`` accepts, for messages.
    public static let urlForm = "postgres://user[:password]@host[:port]/database"

    /// Whether a `DATABASE_URL` value names a PostgreSQL database rather than a SQLite file.
    /// - Parameter value: The value.
    public static func isPostgresURL(_ value: String) -> Bool {
        let lowered = value.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// The URL without the password: for logs.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// The location of another database on the same server, as the same role.
    /// - Parameter database: The other database.
    public func with(database: String) -> PostgresLocation {
        var location = self
        location.database = database
        return location
    }

    /// The postgres-nio configuration for connecting.
    func connectionConfiguration(connectTimeout: Duration) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        let milliseconds =
            connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000
        configuration.options.connectTimeout = .milliseconds(milliseconds)
        configuration.options.additionalStartupParameters = [("application_name", "foodcount")]
        return configuration
    }
}
