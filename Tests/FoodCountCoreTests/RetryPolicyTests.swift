import FoodCountCore
import XCTest

final class RetryPolicyTests: XCTestCase {
    func testDelaysGrowExponentiallyUpToTheCap() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), multiplier: 2, jitter: 0)
        XCTAssertEqual(
            (1...6).map { policy.delay(attempt: $0, random: 0) },
            [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1),
                .seconds(1),
            ])
    }

    func testJitterOnlyShortensTheDelayByItsFraction() {
        let policy = RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(10), multiplier: 2, jitter: 0.5)
        XCTAssertEqual(policy.delay(attempt: 1, random: 0), .seconds(1))
        XCTAssertEqual(policy.delay(attempt: 1, random: 0.5), .milliseconds(750))
    }
}
