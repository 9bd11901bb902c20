import FoodCountCore
import Foundation
import SQLiteStore
import TestSupport
import XCTest

/// A writer killed at any step of a commit leaves counts and offsets consistent, both or neither, whichever
/// file is opened first afterwards: the API's reader alone, or the consumer's store with both files.
///
/// The kills are deterministic: `StoreCrashHelper` runs the store over a SQLite VFS that sends SIGKILL just
/// before or just after a chosen step of a commit (every sync of any file, and every file deletion, among
/// them the super-journal's, which is the commit point).
final class SQLiteStoreCrashTests: XCTestCase {
    private let helper = TestEnvironment.executable("StoreCrashHelper")
    private let before: Int64 = 6_000  // three batches of 2,000
    private let perBatch: Int64 = 2_000

    func testAKillAtEveryStepOfACommitLeavesBothFilesConsistentWhicheverOpensFirst() async throws {
        let counted = try ChildProcess.run(helper, [try newDatabase(), "count"])
        XCTAssertEqual(counted.status, 0, counted.output)
        let steps = try XCTUnwrap(
            Int(counted.output.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        XCTAssertGreaterThanOrEqual(
            steps, 6, "a commit across two files syncs each journal, the super-journal and each file")

        var outcomes: [String: Int64] = [:]
        for step in 1...steps {
            for after in [false, true] {
                let point = "\(after ? "after" : "before") step \(step)"
                let database = try newDatabase()
                XCTAssertEqual(try ChildProcess.run(helper, [database, "count"]).status, 0)
                let crash = try ChildProcess.run(helper, [database, "crash", "\(step)"] + (after ? ["after"] : []))
                XCTAssertEqual(crash.status, SIGKILL, "\(point): \(crash.output)")
                outcomes[point] = try await checkConsistent(database, readerFirst: step % 2 == 1, point)
            }
        }
        XCTAssertTrue(outcomes.values.contains(before), "some kills land before the commit point: \(outcomes)")
        XCTAssertTrue(outcomes.values.contains(before + perBatch), "some land after it: \(outcomes)")
        XCTAssertEqual(outcomes["after step \(steps)"], before + perBatch, "a kill after the last step keeps the batch")
        XCTAssertEqual(outcomes["before step 1"], before, "a kill before the first step loses the batch")
    }

    /// Opens the crashed files the two ways they are opened in production, in the given order, and checks
    /// that both see the same committed state. Returns the total counted.
    private func checkConsistent(_ database: String, readerFirst: Bool, _ point: String) async throws -> Int64 {
        var total: Int64 = -1
        if readerFirst {
            total = try await SQLiteCountReader(databasePath: database).counts().values.reduce(0, +)
        }
        // Opening the store checks that the offsets file's ledger matches the counts table.
        let store = try SQLiteCountStore(configuration: .init(databasePath: database, consumerGroup: "crash"))
        let partitions = (0..<4).map { SourcePartition(topic: "t", partition: Int32($0)) }
        let processed = try store.storedOffsets(for: partitions).values.reduce(0, +)
        let counts = try await SQLiteCountReader(databasePath: database).counts().values.reduce(0, +)
        if readerFirst { XCTAssertEqual(total, counts, "\(point): the reader and the store disagree") }
        XCTAssertEqual(processed, counts, "\(point): counts and offsets diverged")
        XCTAssertTrue([before, before + perBatch].contains(counts), "\(point): a half-applied batch: \(counts)")
        return counts
    }

    private func newDatabase() throws -> String {
        try TestEnvironment.temporaryDirectory("storecrash").appendingPathComponent("foodcount.db").path
    }
}
