import XCTest

@testable import FoodCountCore

/// How a stop request goes from running to stopping and abandoning, and never back.
final class StopRequestTests: XCTestCase {
    /// A request after the given calls to `request(abandoningRetries:)`.
    private func stop(after requests: [Bool]) -> StopRequest {
        let stop = StopRequest()
        for abandoning in requests { stop.request(abandoningRetries: abandoning) }
        return stop
    }

    func testAGracefulStopStopsWithoutAbandoningRetries() {
        XCTAssertEqual(stop(after: []).level, .none)
        XCTAssertEqual(stop(after: [false]).level, .graceful)
        XCTAssertEqual(stop(after: [false, false]).level, .graceful)
    }

    func testAnAbandoningStopAbandonsWhetherOrNotAGracefulOneCameFirst() {
        XCTAssertEqual(stop(after: [true]).level, .abandoning)
        XCTAssertEqual(stop(after: [false, true]).level, .abandoning)
    }

    func testAGracefulStopAfterAnAbandoningOneDoesNotUndoIt() {
        XCTAssertEqual(stop(after: [true, false]).level, .abandoning)
    }

    func testEveryStopIsRequestedButOnlyAnAbandoningOneAbandons() {
        XCTAssertEqual([[], [false], [true]].map { stop(after: $0).isRequested }, [false, true, true])
        XCTAssertEqual([[], [false], [true]].map { stop(after: $0).isAbandoning }, [false, false, true])
    }
}
