import FoodCountCore
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

    // Per partition: the stored counted total against the valid events the log holds before the stored offset.

    private func stored(_ partition: Int32, next: Int64, counted: Int64?) -> CountsSnapshot.StoredOffset {
        .init(
            group: "foodcount", partition: SourcePartition(topic: "message", partition: partition), next: next,
            topicID: nil, counted: counted)
    }

    private func recount(valid: [Int32: Int64], logStarts: [Int32: Int64] = [0: 0, 1: 0]) -> LogRecount {
        var recount = recount(["soup": valid.values.reduce(0, +)], logStarts: logStarts)
        recount.valid = valid
        return recount
    }

    func testAStoredOffsetMovedBackIsNamedWithItsPartitionOffsetAndCountedTotal() {
        // Partition 0's offset was moved back from 7535 to 7435: the categories alone would only say "counted
        // twice" later; the totals say where.
        let audit = CountsAudit(
            live: ["soup": 7535 + 300], recount: recount(valid: [0: 7435, 1: 300]),
            stored: [stored(0, next: 7435, counted: 7535), stored(1, next: 300, counted: 300)])
        XCTAssertEqual(audit.verdict, .different)
        XCTAssertEqual(
            audit.partitionDifferences,
            [.init(topic: "message", partition: 0, offset: 7435, counted: 7535, inLog: 7435, outcome: .different)])
        XCTAssertEqual(
            audit.partitionDifferences.map(\.summary),
            ["partition 0: offset 7435 but 7535 counted (the log holds 7435 valid events before offset 7435)"])
        XCTAssertEqual(audit.partitions.map(\.outcome), [.different, .equal])
    }

    func testTheSamePartitionNumberOfTwoTopicsIsCheckedAgainstItsOwnTopicsRecount() {
        // A group that counted topic "message", then "orders": partition 0 of each has its own total.
        var orders = recount(valid: [0: 5], logStarts: [0: 0])
        orders.counts = ["tea": 5]
        let messages = recount(valid: [0: 10], logStarts: [0: 0])
        let rows = [
            stored(0, next: 10, counted: 10),
            CountsSnapshot.StoredOffset(
                group: "foodcount", partition: SourcePartition(topic: "orders", partition: 0), next: 5, topicID: nil,
                counted: 5),
        ]
        var merged = messages
        merged.counts.merge(orders.counts, uniquingKeysWith: +)
        let checks =
            CountsAudit.checks(of: messages, stored: rows.filter { $0.partition.topic == "message" })
            + CountsAudit.checks(of: orders, stored: rows.filter { $0.partition.topic == "orders" })
        let audit = CountsAudit(live: ["soup": 10, "tea": 5], recount: merged, partitions: checks)

        XCTAssertEqual(audit.verdict, .equal, audit.partitions.map(\.summary).joined(separator: "\n"))
        XCTAssertEqual(audit.partitions.map(\.topic), ["message", "orders"])
        XCTAssertEqual(audit.partitions.map(\.inLog), [10, 5])
    }

    func testAPartitionWhoseTotalDiffersMakesTheAuditDifferentEvenWhenTheCategoriesAgree() {
        // One event of partition 0 counted into partition 1's total would leave the categories equal.
        let audit = CountsAudit(
            live: ["soup": 10], recount: recount(valid: [0: 6, 1: 4]),
            stored: [stored(0, next: 8, counted: 5), stored(1, next: 4, counted: 5)])
        XCTAssertEqual(audit.differences, [])
        XCTAssertEqual(audit.verdict, .different)
        XCTAssertEqual(audit.partitionDifferences.map(\.partition), [0, 1])
    }

    func testEqualTotalsKeepTheAuditEqual() {
        let audit = CountsAudit(
            live: ["soup": 10], recount: recount(valid: [0: 6, 1: 4]),
            stored: [stored(0, next: 8, counted: 6), stored(1, next: 4, counted: 4)])
        XCTAssertEqual(audit.verdict, .equal)
        XCTAssertEqual(audit.partitions.map(\.outcome), [.equal, .equal])
    }

    func testAnUnknownTotalIsReportedAsUnknownNeverAsADifference() {
        let audit = CountsAudit(
            live: ["soup": 10], recount: recount(valid: [0: 6, 1: 4]),
            stored: [stored(0, next: 8, counted: nil), stored(1, next: 4, counted: 4)])
        XCTAssertEqual(audit.verdict, .equal)
        XCTAssertEqual(audit.partitions.first?.outcome, .unknown)
        XCTAssertTrue(audit.partitions.first?.summary.contains("counted total unknown") ?? false)
    }

    func testATruncatedPartitionsTotalIsNotCompared() {
        // Retention deleted partition 1's first 40 records: its total (44) holds events the log no longer has.
        let audit = CountsAudit(
            live: ["soup": 50], recount: recount(valid: [0: 6, 1: 4], logStarts: [0: 0, 1: 40]),
            stored: [stored(0, next: 8, counted: 6), stored(1, next: 48, counted: 44)])
        XCTAssertEqual(audit.partitionDifferences, [])
        XCTAssertEqual(audit.partitions.last?.outcome, .truncated(logStart: 40))
        XCTAssertTrue(audit.partitions.last?.summary.contains("not comparable") ?? false)
        XCTAssertEqual(audit.verdict, .incomplete)
    }
}
