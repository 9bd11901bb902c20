import FoodCountCore
import PostgresNIO

extension StoreError {
    /// Maps a postgres-nio error to a store error with a stable code, keeping the SQLSTATE in a
    /// ``PostgresError`` as its underlying error.
    ///
    /// Transient conditions (a serialization failure, a deadlock, a lock timeout, an administrator's
    /// shutdown, a dropped or refused connection) become `busy` or `unavailable`, which the pipeline retries.
    init(postgres error: any Error, context: String) {
        if let error = error as? StoreError {
            self = error
            return
        }
        guard let error = error as? PSQLError else {
            self.init(
                code: .unavailable, message: "\(context): the connection failed",
                underlying: PostgresError(sqlState: nil, message: "\(error)"))
            return
        }
        if error.code == .sslUnsupported {
            self.init(
                code: .incompatible, message: "\(context): the server does not offer TLS, which sslmode requires",
                underlying: PostgresError(sqlState: nil, message: "\(error.code)"))
            return
        }
        if let tls = error.underlying as? NIOSSLError, Self.code(forTLSFailure: tls) == .incompatible {
            self.init(
                code: .incompatible, message: "\(context): TLS failed (the server's certificate was refused?): \(tls)",
                underlying: PostgresError(sqlState: nil, message: "\(tls)"))
            return
        }
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            // The connection failed, was refused or dropped: the server may be back in a moment.
            let message = "\(error.code)\(error.underlying.map { ": \($0)" } ?? "")"
            self.init(
                code: .unavailable, message: "\(context): the connection failed",
                underlying: PostgresError(sqlState: nil, message: message))
            return
        }
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        self.init(
            code: Self.code(forSQLState: state), message: "\(context): \(message)",
            underlying: PostgresError(sqlState: state, message: message))
    }

    /// The store error code for a TLS failure: a refused certificate or handshake stays refused, a setup to
    /// fix (`incompatible`); a connection that ended without TLS's closing message (the server's process
    /// crashed, the network dropped) is a moment to wait out (`unavailable`).
    static func code(forTLSFailure error: NIOSSLError) -> Code {
        switch error {
        case .handshakeFailed, .failedToLoadCertificate, .failedToLoadPrivateKey, .noCertificateToValidate,
            .unableToValidateCertificate, .cannotMatchULabel, .noSuchFilesystemObject:
            return .incompatible
        default:
            return .unavailable
        }
    }

    /// The store error code for a SQLSTATE.
    static func code(forSQLState state: String) -> Code {
        switch state {
        // serialization_failure, deadlock_detected, lock_not_available, too_many_connections
        case "40001", "40P01", "55P03", "53300": return .busy
        // admin_shutdown, crash_shutdown, cannot_connect_now, the connection_exception class
        case "57P01", "57P02", "57P03": return .unavailable
        // read_only_sql_transaction, insufficient_privilege
        case "25006", "42501": return .readOnly
        // invalid_catalog_name (no such database), the invalid_authorization_specification class
        case "3D000": return .unavailable
        // data_corrupted, index_corrupted
        case "XX001", "XX002": return .corrupt
        // undefined_table, undefined_column, datatype_mismatch
        case "42P01", "42703", "42804": return .incompatible
        default: break
        }
        switch state.prefix(2) {
        case "08", "28": return .unavailable
        // insufficient_resources (disk_full, out_of_memory), system_error (io_error)
        case "53", "58": return .io
        default: return .other
        }
    }
}
