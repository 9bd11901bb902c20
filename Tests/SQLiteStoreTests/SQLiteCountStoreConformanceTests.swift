import FoodCountCore
import FoodCountTesting
import Foundation
import GRDB
import SQLiteStore
import TestSupport
import XCTest

/// The SQLite store follows the `CountStore` contract, on real files: another connection's exclusive lock
/// makes it busy, immutable files (`chattr +i`, which binds root too) make it read-only, and an overwritten
/// header makes it corrupt.
final class SQLiteCountStoreConformanceTests: XCTestCase {
    func testFollowsTheCountStoreContract() async throws {
        try await CountStoreConformance(makeStorage: Self.storage).verifyAll()
    }

    /// A pair of files in a folder of their own; stores wait 200 ms for a lock.
    static func storage() throws -> CountStoreConformance.Storage {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "store-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = SQLiteCountStore.Configuration(
            databasePath: directory.appendingPathComponent("foodcount.db").path, busyTimeout: .milliseconds(200))
        let files = [configuration.databasePath, configuration.resolvedConsumerDatabasePath]
        return CountStoreConformance.Storage(
            open: { try SQLiteCountStore(configuration: configuration) },
            close: { store in
                guard let store = store as? SQLiteCountStore else { throw TestFailure("not a SQLiteCountStore") }
                try store.close()
            },
            counts: { try await SQLiteCountReader(databasePath: configuration.databasePath).counts() },
            provoke: { code in try provoke(code, files: files) },
            discard: {
                try? chattr("-i", files)
                try FileManager.default.removeItem(at: directory)
            })
    }

    private static func provoke(_ code: StoreError.Code, files: [String]) throws -> @Sendable () throws -> Void {
        switch code {
        case .busy:
            var options = GRDB.Configuration()
            options.allowsUnsafeTransactions = true
            let locker = try DatabaseQueue(path: files[0], configuration: options)
            try locker.inDatabase { try $0.execute(sql: "BEGIN EXCLUSIVE") }
            return { try locker.inDatabase { try $0.execute(sql: "ROLLBACK") } }
        case .readOnly:
            try chattr("+i", files)
            return { try chattr("-i", files) }
        case .corrupt:
            let url = URL(fileURLWithPath: files[0])
            let original = try Data(contentsOf: url)
            var damaged = original
            damaged.replaceSubrange(0..<100, with: Data(repeating: 0x41, count: 100))
            try damaged.write(to: url)
            return { try original.write(to: url) }
        default:
            throw TestFailure("the suite asked for an unknown condition: \(code)")
        }
    }

    private static func chattr(_ flag: String, _ files: [String]) throws {
        let result = try ChildProcess.run("/usr/bin/chattr", [flag] + files)
        guard result.status == 0 else { throw TestFailure("chattr \(flag) failed: \(result.output)") }
    }
}
