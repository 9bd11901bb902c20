import FoodCountKafka
import FoodCountOperations
import XCTest

/// The audit's verdict from the live counts and a recount of the log: equal, different (the categories
/// that differ), or incomplete when retention deleted records the counts may hold.
final class CountsAuditTests: XCTestCase {
    private func recount(_ counts: [String: Int64], logStarts: [Int32: Int64] = [0: 0, 1: 0]) -> LogRecount {
        var recount = LogRecount()
        recount.counts = counts
        for (partition, start) in logStarts {
            recount.partitions[partition] = KafkaLogReader.Outcome(next: 100, logStart: start, records: 50)
        }
        return recount
    }

    func testCountsThatAreWhatTheLogHoldsAreEqual() {
        let audit = CountsAudit(live: ["soup": 3, "pizza": 2], recount: recount(["soup": 3, "pizza": 2]))
        XCTAssertEqual(audit.verdict, .equal)
        XCTAssertEqual(audit.differences, [])
    }

    func testEveryCategoryThatDiffersIsListedEvenOneMissingOnEitherSide() {
        let audit = CountsAudit(
            live: ["soup": 10, "pizza": 2, "extra": 1], recount: recount(["soup": 3, "pizza": 2, "taco": 4]))
        XCTAssertEqual(audit.verdict, .different)
        XCTAssertEqual(
            audit.differences,
            [
                .init(category: "extra", live: 1, recounted: 0), .init(category: "soup", live: 10, recounted: 3),
                .init(category: "taco", live: 0, recounted: 4),
            ])
    }

    func testATruncatedLogMakesAnAuditIncompleteNotEqual() {
        // Retention deleted partition 1's first 40 records: counts above the recount may be those.
        let audit = CountsAudit(
            live: ["soup": 9, "pizza": 2], recount: recount(["soup": 3, "pizza": 2], logStarts: [0: 0, 1: 40]))
        XCTAssertEqual(audit.verdict, .incomplete, "never a false \"equal\"")
        XCTAssertEqual(audit.truncated, [1: 40])
    }

    func testATruncatedLogStillProvesACountBelowWhatTheLogHolds() {
        let audit = CountsAudit(
            live: ["soup": 1, "pizza": 2], recount: recount(["soup": 3, "pizza": 2], logStarts: [0: 0, 1: 40]))
        XCTAssertEqual(audit.verdict, .different)
        XCTAssertEqual(audit.differences, [.init(category: "soup", live: 1, recounted: 3)])
    }
}
