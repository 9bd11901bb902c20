/// What SQLite said about a failure behind a `StoreError`, kept as its `underlying` error: the details
/// only SQLite has, which a `StoreError` of another backend would not carry.
///
/// `StoreError.code` is what code decides by; this is for logs and diagnosis.
public struct SQLiteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// SQLite's extended result code, such as 5 (`SQLITE_BUSY`) or 1032 (`SQLITE_READONLY_DBMOVED`).
    public let extendedResultCode: Int32
    /// SQLite's own message, when it gave one.
    public let message: String?
    /// The SQL statement concerned, when there is one.
    public let sql: String?

    /// Creates an error.
    /// - Parameters:
    ///   - extendedResultCode: SQLite's extended result code.
    ///   - message: SQLite's message.
    ///   - sql: The statement concerned.
    public init(extendedResultCode: Int32, message: String? = nil, sql: String? = nil) {
        self.extendedResultCode = extendedResultCode
        self.message = message
        self.sql = sql
    }

    /// SQLite's primary result code: the low byte of the extended one (5 for every kind of `SQLITE_BUSY`).
    public var primaryResultCode: Int32 { extendedResultCode & 0xFF }

    /// The result code and the statement, as `[code 1032] sql=INSERT ...`: the end of a `StoreError`'s
    /// description.
    public var description: String {
        var text = "[code \(extendedResultCode)]"
        if let sql { text += " sql=\(sql)" }
        return text
    }
}
