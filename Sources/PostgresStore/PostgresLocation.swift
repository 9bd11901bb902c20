import FoodCountCore
import Foundation
import NIOCore
import PostgresNIO

/// Where a PostgreSQL database is, how to log in, and how to secure the connection: parsed from a
/// `postgres://` URL (`postgres://user:password@host:5432/database?sslmode=verify-full`), as `DATABASE_URL`
/// gives it.
///
/// `sslmode` means what it means to libpq (``TLSMode``), and `sslrootcert` names the PEM file of the
/// certificate authorities to trust (the system's when absent).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// Whether the connection uses TLS, and what it checks of the server's certificate: libpq's `sslmode`.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, unverified (libpq tries without TLS first; here TLS is preferred).
        case allow
        /// TLS when the server offers it, unverified; the default, as in libpq.
        case prefer
        /// TLS or no connection; the certificate is verified against `sslrootcert` when that is given (as
        /// libpq does), else not at all.
        case require
        /// TLS, with a certificate signed by a trusted authority; the host name is not checked.
        case verifyCA = "verify-ca"
        /// TLS, with a certificate signed by a trusted authority and naming the host.
        case verifyFull = "verify-full"
    }

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
    /// Whether and how the connection uses TLS.
    public var tlsMode: TLSMode
    /// The PEM file of the certificate authorities to trust; `nil` for the system's.
    public var rootCertificatePath: String?

    /// Creates a location.
    /// - Parameters:
    ///   - host: The server's host.
    ///   - port: The server's port.
    ///   - username: The role.
    ///   - password: The role's password.
    ///   - database: The database.
    ///   - tlsMode: Whether and how to use TLS.
    ///   - rootCertificatePath: The certificate authorities to trust, `nil` for the system's.
    public init(
        host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
        tlsMode: TLSMode = .prefer, rootCertificatePath: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
        self.rootCertificatePath = rootCertificatePath
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
        var tlsMode = TLSMode.prefer
        var rootCertificatePath: String?
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", let value):
                guard let mode = TLSMode(rawValue: value) else {
                    let modes = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw bad("sslmode=\(value) is not one of \(modes)")
                }
                tlsMode = mode
            case ("sslrootcert", let path) where !path.isEmpty: rootCertificatePath = path
            default: throw bad("unknown parameter '\(item.name)'")
            }
        }
        self.init(
            host: host, port: components.port ?? 5432, username: username,
            password: components.password.flatMap { $0.removingPercentEncoding }, database: database,
            tlsMode: tlsMode, rootCertificatePath: rootCertificatePath)
    }

    /// The form of a URL ``init(url:)`` accepts, for messages.
    public static let urlForm = "postgres://user[:password]@host[:port]/database[?sslmode=…&sslrootcert=…]"

    /// Whether a `DATABASE_URL` value names a PostgreSQL database rather than a SQLite file.
    /// - Parameter value: The value.
    public static func isPostgresURL(_ value: String) -> Bool {
        let lowered = value.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// The URL without the password: for logs.
    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database)"
            + (tlsMode == .prefer ? "" : "?sslmode=\(tlsMode.rawValue)")
    }

    /// The location of another database on the same server, as the same role.
    /// - Parameter database: The other database.
    public func with(database: String) -> PostgresLocation {
        var location = self
        location.database = database
        return location
    }

    /// The postgres-nio configuration for connecting.
    /// - Throws: `StoreError` `incompatible` when the root certificates cannot be loaded.
    func connectionConfiguration(connectTimeout: Duration) throws(StoreError) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: try tls())
        let milliseconds =
            connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000
        configuration.options.connectTimeout = .milliseconds(milliseconds)
        configuration.options.additionalStartupParameters =
            [("application_name", "foodcount")] + Self.serverKeepalive.map { ($0.name, $0.value) }
        return configuration
    }

    /// TCP keepalive settings each session asks of the server: a peer that vanished without closing (a host
    /// cut off or powered off) is noticed after about a minute of silence, not the system's two hours, so its
    /// session ends and releases what it held (the counts lock, a row lock of an unfinished commit).
    /// `tcp_user_timeout` does the same for data the server sent and the peer never acknowledged.
    static let serverKeepalive: [(name: String, value: String)] = [
        ("tcp_keepalives_idle", "30"), ("tcp_keepalives_interval", "10"), ("tcp_keepalives_count", "3"),
        ("tcp_user_timeout", "60000"),
    ]

    /// postgres-nio's TLS mode for ``tlsMode``.
    private func tls() throws(StoreError) -> PostgresConnection.Configuration.TLS {
        switch tlsMode {
        case .disable: return .disable
        case .allow, .prefer: return .prefer(try sslContext(verifying: .none))
        case .require:
            return .require(try sslContext(verifying: rootCertificatePath == nil ? .none : .noHostnameVerification))
        case .verifyCA: return .require(try sslContext(verifying: .noHostnameVerification))
        case .verifyFull: return .require(try sslContext(verifying: .fullVerification))
        }
    }

    private func sslContext(verifying verification: CertificateVerification) throws(StoreError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = verification
        if let rootCertificatePath { configuration.trustRoots = .file(rootCertificatePath) }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw StoreError(
                code: .incompatible,
                message: "cannot use the root certificates \(rootCertificatePath ?? "of the system"): \(error)")
        }
    }
}
