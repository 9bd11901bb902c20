import FoodCountCore
import Foundation

/// What the store knows of a database file without opening it through SQLite: which file a path names
/// now, and the journal mode its header records.
struct DatabaseFile: Sendable {
    /// The device and inode a path named when it was opened: a file replaced by rename or deleted and
    /// created again has another identity, while the open connection keeps writing the old one.
    struct Identity: Sendable, Equatable {
        let device: UInt64
        let inode: UInt64
    }

    /// The file's path.
    let path: String

    /// The identity of the file the path names now, or `nil` when there is none.
    func identity() -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Whether the header of an existing database says WAL (SQLite's file format: bytes 18 and 19 are 2 in
    /// WAL mode, 1 with a rollback journal). A missing or empty file is not in WAL. Opening a WAL file
    /// through SQLite would switch the connection to WAL and keep the file there, so the store looks first.
    func headerSaysWAL() -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 20), header.count == 20 else { return false }
        return header[header.startIndex + 18] == 2 || header[header.startIndex + 19] == 2
    }

    /// The error for a file that is no longer the one the store opened.
    func replacedError(_ role: String) -> StoreError {
        StoreError(
            code: .inconsistent,
            message: """
                the \(role) \(path) was deleted or replaced while the consumer ran, so its commits would go to \
                a file nobody reads; stopping without committing (restart the consumer: it checks that the \
                counts and the offsets file belong together, see docs/operations.md)
                """)
    }

    /// The error for a file found in WAL mode.
    func walError(_ role: String) -> StoreError {
        StoreError(
            code: .notAtomic,
            message: """
                the \(role) \(path) uses journal_mode=wal, in which counts and offsets cannot commit atomically; \
                refusing to commit until it is converted back with: sqlite3 \(path) 'PRAGMA journal_mode=DELETE'
                """)
    }
}
