import FoodCountCore
import GRDB

extension StoreError {
    /// Maps a GRDB/SQLite error to a store error with a stable code, keeping SQLite's details in a
    /// ``SQLiteError`` as its underlying error.
    init(from error: any Error, context: String) {
        guard let error = error as? DatabaseError else {
            if let error = error as? StoreError {
                self = error
                return
            }
            self.init(code: .other, message: "\(context): \(error)")
            return
        }
        let code: Code
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: code = .busy
        case .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_PROTOCOL: code = .io
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH: code = .readOnly
        case .SQLITE_CANTOPEN: code = .unavailable
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: code = .corrupt
        default: code = .other
        }
        self.init(
            code: code,
            message: "\(context): \(error.message ?? "\(error.resultCode)")",
            underlying: SQLiteError(
                extendedResultCode: error.extendedResultCode.rawValue, message: error.message, sql: error.sql)
        )
    }
}
