import GRDB
import GRDBSQLite

extension Database {
    /// The file change counter in the header of the database file of `schema` (SQLite's file format: a
    /// big-endian 32-bit integer at offset 24, which every transaction that writes the file raises by one), or
    /// `nil` when the file is too short to have one. Read it under the write lock, before writing: the file
    /// holds the last commit.
    ///
    /// It is read through SQLite's own file handle (`SQLITE_FCNTL_FILE_POINTER`), never a descriptor of its
    /// own: closing any descriptor of a file drops every POSIX lock the process holds on it, so a second
    /// descriptor would release this transaction's locks under SQLite's feet (`SQLiteCountStoreLockTests`).
    func changeCounter(of schema: String = "main") -> Int64? {
        var pointer: UnsafeMutableRawPointer?
        guard sqlite3_file_control(sqliteConnection, schema, SQLITE_FCNTL_FILE_POINTER, &pointer) == SQLITE_OK,
            let file = pointer?.assumingMemoryBound(to: sqlite3_file.self),
            let read = file.pointee.pMethods?.pointee.xRead
        else { return nil }
        var bytes = [UInt8](repeating: 0, count: 4)
        guard read(file, &bytes, 4, 24) == SQLITE_OK else { return nil }
        return bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
}
