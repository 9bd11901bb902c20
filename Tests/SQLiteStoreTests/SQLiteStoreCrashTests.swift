import Foundation
import TestSupport
import XCTest

/// A process killed in the middle of a commit leaves counts and offsets consistent: both or neither.
final class SQLiteStoreCrashTests: XCTestCase {
    func testKillDuringCommitsLeavesCountsAndOffsetsConsistent() throws {
        let directory = try TestEnvironment.temporaryDirectory("storecrash")
        let database = directory.appendingPathComponent("foodcount.db").path
        let consumerDatabase = directory.appendingPathComponent("foodcount-consumer.db").path
        var generator = SystemRandomNumberGenerator()
        var totals: [Int] = []

        for _ in 0..<12 {
            let helper = try ChildProcess(TestEnvironment.executable("StoreCrashHelper"), [database])
            XCTAssertTrue(eventually(timeout: 20) { helper.output.contains("committing") || !helper.isRunning })
            Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.4, using: &generator))
            XCTAssertTrue(helper.isRunning, "helper stopped by itself: \(helper.output)")
            helper.signal(SIGKILL)
            _ = helper.wait(timeout: 10)

            // Opening both files together lets SQLite roll back a half-done commit from its journals.
            let lines = try SQLiteInspector.query(
                database,
                """
                ATTACH '\(consumerDatabase)' AS consumer;
                SELECT (SELECT coalesce(sum(count), 0) FROM food_counts),
                       (SELECT coalesce(sum(next_offset), 0) FROM consumer.consumer_offsets);
                """)
            let parts = (lines.last ?? "").split(separator: "|").compactMap { Int($0) }
            XCTAssertEqual(parts.count, 2, "\(lines)")
            XCTAssertEqual(parts.first, parts.last, "counts and offsets diverged: \(lines)")
            totals.append(parts.first ?? -1)
        }

        XCTAssertEqual(totals, totals.sorted(), "committed work never goes backwards")
        XCTAssertGreaterThan(totals.last ?? 0, 0, "the helper committed something")
    }
}
