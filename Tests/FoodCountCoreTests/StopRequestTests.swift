import XCTest

@testable import FoodCountCore

/// How a stop request goes from running to stopping and abandoning, and never back.
final class StopRequestTests: XCTestCase {
    func testANewRequestIsRunningAndNeitherStopsNorAbandons() {
        let stop = StopRequest()
        XCTAssertEqual(stop.state, .running)
        XCTAssertFalse(stop.isRequested)
        XCTAssertFalse(stop.isAbandoning)
    }

    func testAGracefulStopStopsWithoutAbandoningRetries() {
        let stop = StopRequest()
        stop.request(abandoningRetries: false)
        XCTAssertEqual(stop.state, .stopping)
        XCTAssertTrue(stop.isRequested)
        XCTAssertFalse(stop.isAbandoning)
    }

    func testAnAbandoningStopAfterAGracefulOneAbandonsRetries() {
        let stop = StopRequest()
        stop.request(abandoningRetries: false)
        stop.request(abandoningRetries: true)
        XCTAssertEqual(stop.state, .abandoning)
        XCTAssertTrue(stop.isRequested)
        XCTAssertTrue(stop.isAbandoning)
    }

    func testAGracefulStopAfterAnAbandoningOneDoesNotUndoIt() {
        let stop = StopRequest()
        stop.request(abandoningRetries: true)
        stop.request(abandoningRetries: false)
        XCTAssertEqual(stop.state, .abandoning)
    }
}
