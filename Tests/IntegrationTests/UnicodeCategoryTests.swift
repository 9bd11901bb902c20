import Foundation
import TestSupport
import XCTest

/// Categories are normalized to Unicode NFC after trimming and lowercasing, so canonically equal spellings
/// are one row and one API key, and the API serves exactly the table's rows; compatibility forms (NFKC) stay
/// apart. Compared as UTF-8 bytes throughout: Swift's `String` equality is canonical equivalence and would
/// hide the very difference under test.
final class UnicodeCategoryTests: XCTestCase {
    /// Spellings and how many events of each; three rounds produce them, each counted before the next, so
    /// that canonically equal spellings also meet in different batches (within one batch a Swift dictionary
    /// of deltas would merge them by accident).
    private let rounds: [[(food: String, count: Int)]] = [
        [("caf\u{E9}", 7), ("ＰＩＺＺＡ", 4), ("pizza", 3), ("\u{1100}\u{1161}", 2), ("İSKENDER", 4)],
        [("cafe\u{301}", 5), ("CAFE\u{301}", 2), ("\u{AC00}", 1), ("STRAẞE", 3), ("ȺPPLE", 2)],
        [
            ("CAF\u{C9}", 3), ("caf\u{E9} ", 1), ("🍕", 3), ("👩\u{200D}👩\u{200D}👧\u{200D}👦", 2), ("👍🏽", 4),
            ("🧑🏿\u{200D}🍳", 2), (" Ａ\u{301} ", 1),
        ],
    ]

    /// The category rule: trimmed, lowercased, then NFC, as UTF-8 bytes.
    private func category(_ food: String) -> [UInt8] {
        Array(food.trimmingCharacters(in: .whitespaces).lowercased().precomposedStringWithCanonicalMapping.utf8)
    }

    func testCanonicallyEqualSpellingsAreOneCategoryAndTheAPIServesEveryRow() async throws {
        var harness = try ConsumerHarness(prefix: "unicode", partitions: 2)
        harness.extraEnvironment = ["BATCH_SIZE": "5", "BATCH_DELAY_MS": "20"]
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        let apiPort = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(apiPort)", "--host", "127.0.0.1"],
            environment: ["DATABASE_PATH": harness.database])
        defer { api.signal(SIGKILL) }

        var expected: [[UInt8]: Int] = [:]
        var produced = 0
        for round in rounds {
            var messages: [PythonProducer.Message] = []
            for (food, count) in round {
                expected[category(food), default: 0] += count
                produced += count
                // Raw bytes: the spelling reaches the broker exactly as written here.
                messages += Array(repeating: .bytes(Array(#"{"food": "\#(food)"}"#.utf8)), count: count)
            }
            try PythonProducer.produce(messages.shuffled(), topic: harness.topic, broker: harness.broker)
            XCTAssertTrue(try harness.waitUntilProcessed(produced), consumer.output.suffix(2_000).description)
        }

        let apiUp = await eventuallyAsync(timeout: 20) { await HTTP.counts(port: apiPort) != nil }
        XCTAssertTrue(apiUp, api.output)
        let rows = try SQLiteInspector.countsByBytes(harness.database)
        let served = try await servedPairs(port: apiPort)
        let servedKeys = served.map(\.key)
        let cafe = rows.keys.filter { String(decoding: $0, as: UTF8.self) == "caf\u{E9}" }  // canonical equivalence
        XCTAssertEqual(cafe.count, 1, "NFC and NFD café must be one row: \(cafe)")
        XCTAssertEqual(rows[Array("caf\u{E9}".utf8)], 7 + 5 + 3 + 2 + 1)
        for key in rows.keys {
            let text = String(decoding: key, as: UTF8.self)
            XCTAssertEqual(
                key, Array(text.precomposedStringWithCanonicalMapping.utf8),
                "not NFC: \(text.unicodeScalars.map(\.value))")
        }
        XCTAssertNotNil(rows[Array("ｐｉｚｚａ".utf8)], "full-width letters stay their own category (no NFKC)")
        XCTAssertEqual(rows[Array("pizza".utf8)], 3)
        XCTAssertEqual(rows, expected)
        XCTAssertEqual(served.map(\.count).reduce(0, +), produced, "the API's total is every event: \(served)")
        XCTAssertEqual(servedKeys.count, Set(servedKeys).count, "no key twice in the API's answer")
        XCTAssertEqual(Set(servedKeys), Set(rows.keys), "the API's keys are the table's rows, byte for byte")
    }

    /// The API's `/aggregated` answer as key/count pairs in order, keys as UTF-8 bytes, parsed by Python's
    /// json module (a Swift dictionary would merge canonically equal keys).
    private func servedPairs(port: Int) async throws -> [(key: [UInt8], count: Int)] {
        let response = try await HTTP.request("http://127.0.0.1:\(port)/aggregated")
        XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aggregated-\(UUID().uuidString).json")
        try response.body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import json, sys
            for key, value in json.load(open(sys.argv[1], encoding="utf-8"), object_pairs_hook=list):
                print(key.encode("utf-8").hex(), value)
            """
        let result = try ChildProcess.run(TestEnvironment.python, ["-c", script, file.path])
        guard result.status == 0 else { throw TestFailure("cannot parse the API's answer: \(result.output)") }
        return try result.output.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let key = SQLiteInspector.bytes(hex: parts[0]), let count = Int(parts[1]) else {
                throw TestFailure("unexpected line from the parser: \(line)")
            }
            return (key, count)
        }
    }
}
