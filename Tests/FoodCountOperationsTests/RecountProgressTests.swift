import FoodCountOperations
import XCTest

/// When a recount reports its progress and what it says, step by step with the time passed in (no sleeping):
/// plain lines at most every few seconds off a terminal, a bar redrawn in place on one, and a last report at
/// 100 %.
final class RecountProgressTests: XCTestCase {
    func testPlainLinesComeAtMostEveryIntervalThenOnceAtTheEnd() {
        var progress = RecountProgress(total: 3_400_000, configuration: .init(style: .lines))
        XCTAssertNil(progress.update(done: 1_000, elapsed: .seconds(1)), "a short recount prints no line early")
        XCTAssertNil(progress.update(done: 900_000, elapsed: .milliseconds(4_999)))
        XCTAssertEqual(
            progress.update(done: 1_200_000, elapsed: .seconds(5)), "recount: 1200000 of 3400000 events (35 %)\n")
        XCTAssertNil(progress.update(done: 1_300_000, elapsed: .seconds(9)), "not again before 5 s more")
        XCTAssertEqual(
            progress.update(done: 2_000_000, elapsed: .seconds(10)), "recount: 2000000 of 3400000 events (58 %)\n")
        XCTAssertEqual(progress.finish(done: 3_399_990), "recount: 3399990 of 3399990 events (100 %)\n")
        XCTAssertNil(progress.finish(done: 3_399_990), "the end is said once")
        XCTAssertNil(progress.update(done: 3_399_990, elapsed: .seconds(60)), "nothing after the end")
    }

    func testALongPauseGivesOneLineNotOnePerIntervalMissed() {
        var progress = RecountProgress(total: 100, configuration: .init(style: .lines))
        XCTAssertEqual(progress.update(done: 10, elapsed: .seconds(30)), "recount: 10 of 100 events (10 %)\n")
        XCTAssertNil(progress.update(done: 11, elapsed: .seconds(31)))
        XCTAssertNotNil(progress.update(done: 20, elapsed: .seconds(35)))
    }

    func testTheBarIsRedrawnInPlaceAtMostEveryRedrawIntervalAndEndsWithANewline() {
        var configuration = RecountProgress.Configuration(style: .bar)
        configuration.barWidth = 10
        var progress = RecountProgress(total: 200, configuration: configuration)
        let first = progress.update(done: 50, elapsed: .milliseconds(10))
        XCTAssertEqual(first, "\rrecount [##........] 25 % 50 of 200 events\u{1B}[K", "drawn at once, no newline")
        XCTAssertNil(progress.update(done: 60, elapsed: .milliseconds(150)))
        XCTAssertEqual(
            progress.update(done: 100, elapsed: .milliseconds(210)),
            "\rrecount [#####.....] 50 % 100 of 200 events\u{1B}[K")
        XCTAssertEqual(progress.finish(done: 200), "\rrecount [##########] 100 % 200 of 200 events\u{1B}[K\n")
    }

    func testAnEstimateBelowWhatWasReadNeverShowsMoreThanAHundredPercent() {
        // The log grew during the recount: more records than the plan expected.
        var progress = RecountProgress(total: 100, configuration: .init(style: .lines))
        XCTAssertEqual(progress.update(done: 150, elapsed: .seconds(5)), "recount: 150 of 150 events (100 %)\n")
        XCTAssertEqual(RecountProgress.percent(done: 150, total: 100), 100)
        XCTAssertEqual(RecountProgress.percent(done: 0, total: 0), 100, "nothing to read is all read")
        XCTAssertEqual(RecountProgress.percent(done: 1, total: 3), 33)
    }
}
