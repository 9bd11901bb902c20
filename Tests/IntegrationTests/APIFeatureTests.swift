import Foundation
import TestSupport
import XCTest

/// The running API's entity tag comes from the real database's change counter. HEAD, filters, errors and the
/// served OpenAPI document are tested in process, by `APIRoutesTests`.
final class APIFeatureTests: XCTestCase {
    func testTheEntityTagAnswers304UntilTheCountsChange() throws {
        let api = try APIServer(counts: ["soup": 3, "pizza": 5])
        defer { api.stop() }
        let first = try HTTP.curl(api.url("/aggregated"))
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.body, #"{"pizza":5,"soup":3}"# + "\n", "the contract's body, unchanged")
        XCTAssertEqual(first.headers["cache-control"], "no-cache")
        let tag = try XCTUnwrap(first.headers["etag"])
        XCTAssertTrue(tag.hasPrefix("\"") && tag.hasSuffix("\""), "a strong entity tag: \(tag)")

        let unchanged = try HTTP.curl(api.url("/aggregated"), headers: ["If-None-Match": tag])
        XCTAssertEqual(unchanged.status, 304)
        XCTAssertEqual(unchanged.body, "")
        XCTAssertEqual(unchanged.headers["etag"], tag)
        XCTAssertEqual(
            try HTTP.curl(api.url("/aggregated"), headers: ["If-None-Match": "W/\(tag), \"other\""]).status, 304)

        try api.add(["soup": 1])
        let changed = try HTTP.curl(api.url("/aggregated"), headers: ["If-None-Match": tag])
        XCTAssertEqual(changed.status, 200, "a commit changes the tag")
        XCTAssertEqual(changed.body, #"{"pizza":5,"soup":4}"# + "\n")
        XCTAssertNotEqual(changed.headers["etag"], tag)
        XCTAssertEqual(
            try HTTP.curl(api.url("/aggregated"), headers: ["If-None-Match": changed.headers["etag"] ?? ""]).status, 304
        )
    }
}
