import FoodCountCore
import Foundation
import GRDB
import GRDBSQLite
import TestSupport
import XCTest

@testable import SQLiteStore

/// Neither the store nor the API's reader takes away a lock SQLite holds on a file of this process: closing
/// any descriptor of a file drops every POSIX lock the process holds on it. So the counts file's header is
/// read through SQLite's own handle (`Database.changeCounter(of:)`), and the journal mode is asked of SQLite.
final class SQLiteCountStoreLockTests: XCTestCase {
    private var directory: URL!
    private var path: String { directory.appendingPathComponent("foodcount.db").path }
    private let p0 = SourcePartition(topic: "message", partition: 0)

    override func setUpWithError() throws {
        directory = try TestEnvironment.temporaryDirectory("locks")
        let store = try SQLiteCountStore(configuration: .init(databasePath: path, consumerGroup: "locks"))
        try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)], eventCount: 1))
        try store.close()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testReadingTheChangeCounterInsideACommitKeepsItsWriteLock() throws {
        let queue = try DatabaseQueue(path: path)
        let before = try queue.read { db in db.changeCounter() }
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                XCTAssertFalse(try self.otherProcessGets("BEGIN IMMEDIATE"), "the transaction holds RESERVED")
                XCTAssertEqual(db.changeCounter(), before)
                XCTAssertFalse(
                    try self.otherProcessGets("BEGIN IMMEDIATE"), "reading the counter must not release RESERVED")
                try db.execute(sql: #"UPDATE food_counts SET "count" = "count" + 1"#)
                return .commit
            }
        }
        XCTAssertEqual(try queue.read { db in db.changeCounter() }, before.map { $0 + 1 }, "a commit raises it by one")
    }

    func testTheAPIReaderKeepsTheSharedLockOfAnotherReadOfThisProcess() async throws {
        var reader: OpaquePointer?
        XCTAssertEqual(sqlite3_open(path, &reader), SQLITE_OK)
        defer { sqlite3_close(reader) }
        XCTAssertEqual(
            sqlite3_exec(reader, "BEGIN DEFERRED; SELECT count(*) FROM food_counts;", nil, nil, nil), SQLITE_OK)
        XCTAssertFalse(try otherProcessGets("BEGIN EXCLUSIVE"), "the open read holds SHARED")

        let counts = try await SQLiteCountReader(databasePath: path).counts()
        XCTAssertEqual(counts, ["soup": 1])
        XCTAssertFalse(try otherProcessGets("BEGIN EXCLUSIVE"), "the API's read must leave the other read's lock alone")

        XCTAssertEqual(sqlite3_exec(reader, "COMMIT", nil, nil, nil), SQLITE_OK)
        XCTAssertTrue(try otherProcessGets("BEGIN EXCLUSIVE"), "with the read over, a writer gets the lock")
    }

    /// Whether another process gets the lock `begin` asks for at once (then ends its transaction).
    private func otherProcessGets(_ begin: String) throws -> Bool {
        let result = try ChildProcess.run(
            "/usr/bin/sqlite3", ["-cmd", ".timeout 0", path, "\(begin); COMMIT;"], timeout: 30)
        return result.status == 0 && !result.output.contains("locked")
    }
}
