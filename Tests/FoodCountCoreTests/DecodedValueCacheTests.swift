import XCTest

@testable import FoodCountCore

final class DecodedValueCacheTests: XCTestCase {
    func testRemembersAnEventByItsExactBytes() {
        var cache = DecodedValueCache()
        let value = Array(#"{"food": "soup"}"#.utf8)
        value.withUnsafeBytes { cache.insert(FoodEvent(category: "soup"), for: $0) }

        XCTAssertEqual(value.withUnsafeBytes { cache.event(for: $0) }, FoodEvent(category: "soup"))
        XCTAssertNil(Array(#"{"food": "Soup"}"#.utf8).withUnsafeBytes { cache.event(for: $0) })
        XCTAssertNil(Array(#"{"food": "soup"} "#.utf8).withUnsafeBytes { cache.event(for: $0) })
    }

    func testKeepsManyValuesApartAndForgetsEverythingWhenHalfFull() {
        var cache = DecodedValueCache()
        for index in 0..<1_024 {
            Array(#"{"food": "f\#(index)"}"#.utf8).withUnsafeBytes {
                cache.insert(FoodEvent(category: "f\(index)"), for: $0)
            }
        }
        for index in [0, 511, 1_023] {
            let event = Array(#"{"food": "f\#(index)"}"#.utf8).withUnsafeBytes { cache.event(for: $0) }
            XCTAssertEqual(event?.category, "f\(index)")
        }

        Array(#"{"food": "one more"}"#.utf8).withUnsafeBytes { cache.insert(FoodEvent(category: "one more"), for: $0) }

        XCTAssertNil(Array(#"{"food": "f0"}"#.utf8).withUnsafeBytes { cache.event(for: $0) })
        XCTAssertEqual(
            Array(#"{"food": "one more"}"#.utf8).withUnsafeBytes { cache.event(for: $0) }?.category, "one more")
    }

    func testIgnoresValuesLongerThanItsLimit() {
        var cache = DecodedValueCache()
        let long = Array(#"{"food": "\#(String(repeating: "x", count: DecodedValueCache.maxValueBytes))"}"#.utf8)
        long.withUnsafeBytes { cache.insert(FoodEvent(category: "x"), for: $0) }

        XCTAssertNil(long.withUnsafeBytes { cache.event(for: $0) })
    }
}

extension DecodedValueCache {
    /// The event of a value in the table, looked up the way the pipeline does: slot, then event.
    fileprivate func event(for value: UnsafeRawBufferPointer) -> FoodEvent? {
        slot(for: value).map { event(at: $0) }
    }
}
