import FoodCountKafka
import FoodCountOperations
import XCTest

/// The plan of `rebuild` and `offsets reset` from the stored offsets and the log's watermarks: each partition's
/// new offset and the events the recount reads up to it (from the log's start).
final class RecountPlanTests: XCTestCase {
    private let starts: [Int32: Int64] = [0: 0, 1: 40]
    private let ends: [Int32: Int64] = [0: 300, 1: 250]

    func testTheLogsEndRecountsEverythingItStillHolds() {
        let plan = RecountPlan(ends: [0: .logEnd, 1: .logEnd], stored: [0: 280], logStarts: starts, logEnds: ends)
        XCTAssertEqual(plan.rows.map(\.partition), [0, 1])
        XCTAssertEqual(plan.rows.map(\.stored), [280, nil])
        XCTAssertEqual(plan.rows.map(\.newOffset), [300, 250])
        XCTAssertEqual(plan.rows.map(\.recount), [300, 210], "from the log's start, not from 0")
        XCTAssertEqual(plan.total, 510)
        XCTAssertFalse(plan.hasUnresolvedOffsets)
    }

    func testExplicitOffsetsRecountUpToThemAndOnePastTheEndIsFlagged() {
        let plan = RecountPlan(
            ends: [0: .offset(10), 1: .offset(900)], stored: [0: 280, 1: 250], logStarts: starts, logEnds: ends)
        XCTAssertEqual(plan.rows.map(\.newOffset), [10, 900])
        XCTAssertEqual(plan.rows.map(\.recount), [10, 210], "never more than the log holds")
        XCTAssertEqual(plan.rows.map(\.beyondLogEnd), [false, true])
    }

    func testTheLogsStartRecountsNothingAndATimeIsResolvedOnlyByTheRecount() {
        let earliest = RecountPlan(
            ends: [0: .offset(0), 1: .offset(40)], stored: [:], logStarts: starts, logEnds: ends)
        XCTAssertEqual(earliest.total, 0)
        let time = RecountPlan(
            ends: [0: .firstAt(timestampMilliseconds: 1), 1: .firstAt(timestampMilliseconds: 1)], stored: [:],
            logStarts: starts, logEnds: ends)
        XCTAssertTrue(time.hasUnresolvedOffsets)
        XCTAssertEqual(time.rows.map(\.newOffset), [nil, nil])
        XCTAssertEqual(time.rows.map(\.recount), [300, 210], "at most the events up to the log's end")
    }
}
