import FoodCountCore
import FoodCountTesting
import Foundation
import PostgresStore
import TestSupport
import XCTest

/// The PostgreSQL store follows the `CountStore` contract, on a real server and a database per check:
/// another transaction's table lock makes it busy (its lock timeout is 200 ms),
/// `default_transaction_read_only` makes it read-only, and a counts table whose page on disk was overwritten
/// (after a move to another tablespace, so that the server reads it from disk) makes it corrupt.
final class PostgresCountStoreConformanceTests: XCTestCase {
    func testFollowsTheCountStoreContract() async throws {
        try await CountStoreConformance(makeStorage: Self.storage).verifyAll()
    }

    /// A fresh database; stores wait 200 ms for a lock.
    static func storage() throws -> CountStoreConformance.Storage {
        let database = try PostgresTestDatabase()
        let configuration = PostgresCountStore.Configuration(
            location: database.location, lockTimeout: .milliseconds(200))
        return CountStoreConformance.Storage(
            open: { try PostgresCountStore(configuration: configuration) },
            close: { store in
                guard let store = store as? PostgresCountStore else { throw TestFailure("not a PostgresCountStore") }
                store.close()
            },
            counts: {
                let reader = PostgresCountReader(location: database.location)
                do {
                    let counts = try await reader.counts()
                    await reader.close()
                    return counts
                } catch {
                    await reader.close()
                    throw error
                }
            },
            provoke: { code in try provoke(code, database) },
            discard: { try database.drop() })
    }

    private static func provoke(
        _ code: StoreError.Code, _ database: PostgresTestDatabase
    ) throws -> @Sendable () throws -> Void {
        switch code {
        case .busy:
            let locker = try database.connect()
            try locker.execute("BEGIN")
            try locker.execute("LOCK TABLE food_counts IN ACCESS EXCLUSIVE MODE")
            return {
                try locker.execute("ROLLBACK")
                try locker.close()
            }
        case .readOnly:
            let name = database.location.database
            try database.executeOnServer("ALTER DATABASE \(name) SET default_transaction_read_only = on")
            return { try database.executeOnServer("ALTER DATABASE \(name) RESET default_transaction_read_only") }
        case .corrupt:
            return try corruptCountsPage(database)
        default:
            throw TestFailure("the suite asked for an unknown condition: \(code)")
        }
    }

    /// Overwrites the header of the counts table's first page on disk. Moving the table to another tablespace
    /// first copies its file past the server's shared buffers, so the server's next read of the page comes
    /// from the file. Needs the server on this machine and a superuser, as the tests' server is.
    private static func corruptCountsPage(_ database: PostgresTestDatabase) throws -> @Sendable () throws -> Void {
        let tablespace = "foodcount_test_moved"
        let existing = try database.executeOnServer(
            "SELECT spcname::text FROM pg_tablespace WHERE spcname = '\(tablespace)'")
        if existing.isEmpty {
            guard let dataDirectory = try database.executeOnServer("SHOW data_directory").first,
                let owner = try FileManager.default.attributesOfItem(atPath: dataDirectory)[.ownerAccountID]
                    as? NSNumber
            else { throw TestFailure("the server's data directory is not on this machine") }
            let folder = (dataDirectory as NSString).deletingLastPathComponent + "/tablespace-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            guard chown(folder, owner.uint32Value, gid_t(UInt32.max)) == 0 else {
                throw TestFailure("cannot give \(folder) to the server's user")
            }
            try database.executeOnServer("CREATE TABLESPACE \(tablespace) LOCATION '\(folder)'")
        }
        let found = try database.execute(
            "ALTER TABLE food_counts SET TABLESPACE \(tablespace)",
            "SELECT current_setting('data_directory') || '/' || pg_relation_filepath('food_counts')")
        guard let path = found.first, FileManager.default.fileExists(atPath: path) else {
            throw TestFailure("no file for food_counts on this machine: \(found)")
        }
        // In place: the server keeps the file open, and it must stay the server's user's.
        let original = try overwrite(path, with: Data(repeating: 0x41, count: 100))
        return { _ = try overwrite(path, with: original) }
    }

    /// Writes bytes at the start of a file, in place; returns the bytes they replaced.
    private static func overwrite(_ path: String, with bytes: Data) throws -> Data {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw TestFailure("cannot open \(path)") }
        defer { try? handle.close() }
        let original = try handle.read(upToCount: bytes.count) ?? Data()
        guard original.count == bytes.count else { throw TestFailure("\(path) is shorter than \(bytes.count) bytes") }
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: bytes)
        try handle.synchronize()
        return original
    }
}
