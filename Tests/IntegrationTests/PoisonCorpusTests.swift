import Foundation
import TestSupport
import XCTest

/// Bad events, produced by a real Kafka client, go to the dead-letter topic once each; valid ones count.
final class PoisonCorpusTests: XCTestCase {
    /// Sixteen kinds of bad message and the error kind each must be dead-lettered with.
    private func corpus() -> [(PythonProducer.Message, String)] {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        return [
            (.bytes([0xFF, 0xFE, 0x7B, 0x7D]), "not_utf8"),
            (.bytes(Array(#"{"food": "caf\#u{E9}"}"#.utf8.prefix(14)) + [0xC3]), "not_utf8"),
            (.text("hello, world"), "not_json"),
            (.text(#"{"food": "soup"} trailing"#), "not_json"),
            (.text(#"{"food": "soup",}"#), "not_json"),
            (.text(#"{"food": "\ud800"}"#), "not_json"),
            (.text(#"{"food": "sou"#), "not_json"),
            (.text("[1, 2, 3]"), "not_object"),
            (.text(#""sandwich""#), "not_object"),
            (.text(#"{"drink": "tea"}"#), "missing_field"),
            (.text(#"{"food": null}"#), "null_field"),
            (.text(#"{"food": 42}"#), "field_not_string"),
            (.text(#"{"food": ["soup"]}"#), "field_not_string"),
            (.text(#"{"food": "soup", "food": "taco"}"#), "duplicate_field"),
            (.text(#"{"food": "   "}"#), "empty_category"),
            (.text(#"{"food": "\#(String(repeating: "x", count: 129))"}"#), "category_too_long"),
            (.tombstone(), "tombstone"),
            (.text(#"{"food": "soup", "pad": "\#(String(repeating: "p", count: 70_000))"}"#), "too_large"),
            (.text(#"{"food": "soup", "deep": \#(deep)}"#), "too_deep"),
        ]
    }

    func testEveryPoisonMessageIsDeadLetteredOnceWithItsKindAndValidCountsAreExact() throws {
        var harness = try ConsumerHarness(prefix: "poison", partitions: 3)
        let dlq = harness.topic + ".dlq"  // created by the harness
        harness.extraEnvironment = ["DLQ_TOPIC": dlq, "BATCH_DELAY_MS": "50"]
        let poison = corpus()
        XCTAssertGreaterThanOrEqual(Set(poison.map(\.1)).count, 12)

        // Valid traffic with the poison spread through it, each poison message tagged by a header.
        var messages: [PythonProducer.Message] = []
        var expected: [String: Int] = [:]
        for index in 0..<3_000 {
            let food = "food\(index % 10)"
            expected[food, default: 0] += 1
            messages.append(.text(#"{"food": "\#(food)"}"#))
            if index % 150 == 75, index / 150 < poison.count {
                let (message, kind) = poison[index / 150]
                messages.append(message.withHeaders(["poison-id": "\(index / 150)", "expected-kind": kind]))
            }
        }
        try PythonProducer.produce(messages, topic: harness.topic, broker: harness.broker)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }

        let done = try harness.waitUntilProcessed(messages.count)
        let processed = try harness.processed()
        XCTAssertTrue(done, "processed \(processed) of \(messages.count):\n\(consumer.output.suffix(3_000))")
        XCTAssertTrue(consumer.isRunning, "the consumer must stay alive")
        XCTAssertEqual(try SQLiteInspector.counts(harness.database), expected)

        let letters = try PythonConsumer.readAll(topic: dlq, broker: harness.broker)
        XCTAssertEqual(letters.count, poison.count, "each poison message lands in the DLQ exactly once")
        XCTAssertEqual(Set(letters.compactMap { $0.headers["poison-id"] }).count, poison.count)
        for letter in letters {
            XCTAssertEqual(letter.headers["foodcount.error.kind"], letter.headers["expected-kind"], "\(letter.headers)")
            XCTAssertEqual(letter.headers["foodcount.source.topic"], harness.topic)
            XCTAssertEqual(letter.headers["foodcount.consumer.group"], harness.group)
            XCTAssertNotNil(letter.headers["foodcount.source.partition"].flatMap { Int($0) })
            XCTAssertNotNil(letter.headers["foodcount.source.offset"].flatMap { Int($0) })
            XCTAssertFalse(letter.headers["foodcount.error.message"]?.isEmpty ?? true)
            XCTAssertNotNil(letter.headers["foodcount.rejected.at"])
        }
        let tombstone = letters.first { $0.headers["expected-kind"] == "tombstone" }
        XCTAssertNotNil(tombstone)
        XCTAssertNil(tombstone?.value, "a tombstone stays a tombstone in the DLQ")
        let utf8 = letters.first { $0.headers["poison-id"] == "0" }
        XCTAssertEqual(utf8?.value, [0xFF, 0xFE, 0x7B, 0x7D], "the original value is kept byte for byte")
    }
}
