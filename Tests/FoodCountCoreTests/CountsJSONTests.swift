import Foundation
import XCTest

@testable import FoodCountCore

/// The API's fast encoder gives byte for byte what `JSONEncoder` (sorted keys, slashes unescaped) gives.
final class CountsJSONTests: XCTestCase {
    private func encoded(_ counts: [String: Int64]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(counts)) + [0x0A]
    }

    func testTheBodyIsWhatJSONEncoderGivesForEveryKindOfCharacter() throws {
        var counts: [String: Int64] = [
            "soup": 3, "say \"hi\"": 1, #"back\slash"#: 4, "a/b": 7, "café": 2, "\u{7F}del": 5, "line\u{2028}sep": 6,
            "🍕": 9, "日本": 10, "": 11, "zero": 0, "big": Int64.max,
        ]
        for scalar in 0..<0x20 { counts["c\(Character(Unicode.Scalar(UInt8(scalar))))"] = Int64(scalar) }
        XCTAssertEqual(CountsJSON.encode(counts), try encoded(counts))
        XCTAssertEqual(CountsJSON.encode([:]), try encoded([:]))
    }

    /// The check for bytes to escape reads eight at a time, then the tail: each one is found at any position,
    /// and the bytes around those (0x1F, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80) are left as they are.
    func testEveryByteToEscapeIsFoundAtEveryPosition() throws {
        var counts: [String: Int64] = [:]
        for special in ["\u{1F}", " ", "!", "\"", "#", "[", "\\", "]", "\u{7F}", "\u{80}", "\u{0}", "\n"] {
            for prefix in 0..<18 {
                counts[String(repeating: "x", count: prefix) + special + "yz"] = Int64(prefix)
                counts[String(repeating: "w", count: prefix) + special] = Int64(prefix)
            }
        }
        XCTAssertEqual(CountsJSON.encode(counts), try encoded(counts))
    }

    func testSortedCountsAreInTheOrderOfTheCategoriesUTF8Bytes() {
        let counts: [String: Int64] = ["é": 1, "z": 2, "Z": 3, "a\u{0}": 4, "a": 5, "🍕": 6, "ｚ": 7]
        let sorted = SortedCounts(counts)
        let categories = (0..<sorted.count).map { Array(sorted.category(at: $0)) }
        XCTAssertEqual(categories, counts.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
        XCTAssertEqual(sorted.dictionary, counts)
    }

    func testCountsAddedInAnyOrderAreSortedEvenWhereTheyShareLongPrefixes() {
        var random = SplitMix64(seed: 7)
        var counts: [String: Int64] = [:]
        for index in 0..<2_000 {  // a shared prefix, then 8 equal bytes for many, then what tells them apart
            let tail =
                String(random.next() % 50, radix: 36) + (index % 3 == 0 ? "\u{0}" : "") + (index % 5 == 0 ? "é" : "")
            counts["category-" + (index % 2 == 0 ? "00000000" : "0000000\(index % 7)") + tail] = Int64(index)
        }
        let sorted = SortedCounts(counts)
        let categories = (0..<sorted.count).map { Array(sorted.category(at: $0)) }
        XCTAssertEqual(categories, counts.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
        XCTAssertEqual(sorted.dictionary, counts)
    }

    func testTheLargestCountsBreakTiesByCategory() {
        let counts: [String: Int64] = ["b": 5, "a": 5, "c": 9, "d": 1]
        XCTAssertEqual(SortedCounts.largest(counts, limit: 2), ["c": 9, "a": 5])
        XCTAssertEqual(SortedCounts.largest(counts, limit: 10), counts)
    }
}
