/// What PostgreSQL said about a failure behind a `StoreError`, kept as its `underlying` error: the SQLSTATE
/// and the server's message, which a `StoreError` of another backend would not carry.
///
/// `StoreError.code` is what code decides by; this is for logs and diagnosis.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server's five-character SQLSTATE, such as `40001` (serialization failure) or `25006` (read-only
    /// transaction); `nil` when the failure was not the server's (a refused or dropped connection).
    public let sqlState: String?
    /// The server's or the client's message.
    public let message: String

    /// Creates an error.
    /// - Parameters:
    ///   - sqlState: The server's SQLSTATE, if the server answered.
    ///   - message: The message.
    public init(sqlState: String?, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    /// The end of a `StoreError`'s description, whose message already has the server's: `[SQLSTATE 25006]`,
    /// or the client's message when the server did not answer (`[no SQLSTATE] connectionError: …`).
    public var description: String {
        if let sqlState { return "[SQLSTATE \(sqlState)]" }
        return "[no SQLSTATE] \(message)"
    }
}
