import Foundation
import TestSupport
import XCTest

/// `GET /aggregated` beyond the contract's answer: an entity tag from the database's change counter with 304
/// answers, `Cache-Control: no-cache`, HEAD, filters; and the served OpenAPI document is `docs/openapi.yaml`.
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

    func testHEADAnswersWithTheHeadersOfGETAndNoBody() throws {
        let api = try APIServer(counts: ["soup": 3])
        defer { api.stop() }
        let get = try HTTP.curl(api.url("/aggregated"))
        let head = try HTTP.curl(api.url("/aggregated"), method: "HEAD")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, "")
        XCTAssertEqual(head.headers["etag"], get.headers["etag"])
        XCTAssertEqual(head.headers["content-type"], "application/json; charset=utf-8")
        XCTAssertEqual(head.headers["content-length"], get.headers["content-length"])
        XCTAssertEqual(try HTTP.curl(api.url("/livez"), method: "HEAD").status, 200)
    }

    func testFiltersSelectCategoriesAndTheLargestCountsWithoutChangingTheDefaultAnswer() throws {
        let api = try APIServer(counts: ["soup": 3, "pizza": 5, "taco": 9, "bagel": 1, "café": 2])
        defer { api.stop() }
        XCTAssertEqual(
            try HTTP.curl(api.url("/aggregated")).body, #"{"bagel":1,"café":2,"pizza":5,"soup":3,"taco":9}"# + "\n")
        // Written as people write them: the category rule applies (trimmed, lowercased, NFC).
        let chosen = try HTTP.curl(
            api.url("/aggregated?category=Soup&category=%20PIZZA&category=nope&category=Cafe%CC%81"))
        XCTAssertEqual(chosen.body, #"{"café":2,"pizza":5,"soup":3}"# + "\n")
        XCTAssertEqual(try HTTP.curl(api.url("/aggregated?top=2")).body, #"{"pizza":5,"taco":9}"# + "\n")
        XCTAssertEqual(
            try HTTP.curl(api.url("/aggregated?top=1&category=soup&category=bagel")).body, #"{"soup":3}"# + "\n")
        XCTAssertNotEqual(
            try HTTP.curl(api.url("/aggregated?top=2")).headers["etag"],
            try HTTP.curl(api.url("/aggregated")).headers["etag"],
            "a filtered answer is another representation")
        for bad in ["top=0", "top=abc", "top=1000001", "top=1&top=2", "category=%20%20"] {
            let refused = try HTTP.curl(api.url("/aggregated?\(bad)"))
            XCTAssertEqual(refused.status, 400, bad)
            XCTAssertTrue(refused.body.contains(#""code":"bad_request""#), "\(bad): \(refused.body)")
        }
    }

    func testTheServedOpenAPIDocumentIsDocsOpenapiYaml() throws {
        let api = try APIServer(counts: [:])
        defer { api.stop() }
        let served = try HTTP.curl(api.url("/openapi.yaml"))
        XCTAssertEqual(served.status, 200)
        XCTAssertEqual(served.headers["content-type"], "application/yaml; charset=utf-8")
        let document = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        XCTAssertEqual(served.body, document, "run scripts/openapi after editing docs/openapi.yaml")
    }
}
