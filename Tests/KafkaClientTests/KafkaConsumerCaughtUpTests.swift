import Foundation
import KafkaClient
import TestSupport
import XCTest

/// `KafkaConsumer.isCaughtUp` against the real embedded broker.
final class KafkaConsumerCaughtUpTests: XCTestCase {
    func testConsumerIsCaughtUpAsSoonAsEveryPartitionIsReadToItsEnd() throws {
        let topic = TestEnvironment.uniqueTopic("caughtup")
        try TestEnvironment.createTopic(topic, partitions: 3)  // partition 2 stays empty
        let producer = try makeProducer()
        for index in 0..<1_000 {
            let record = ProducerRecord(topic: topic, partition: Int32(index % 2), value: Array("m\(index)".utf8))
            try producer.send(record) { _ in }
        }
        try producer.flush(timeout: .seconds(30))
        let consumer = try makeConsumer()
        try consumer.subscribe(topics: [topic], handler: RecordingRebalanceHandler())
        XCTAssertFalse(consumer.isCaughtUp, "nothing is owned before the group join")

        var received = try poll(consumer, atMost: 1)
        XCTAssertEqual(received, 1)
        XCTAssertFalse(consumer.isCaughtUp, "both partitions still hold unread messages")
        received += try consume(consumer, count: 1_000 - received).count
        XCTAssertEqual(received, 1_000)
        for partition in Int32(0)...1 {
            XCTAssertTrue(
                consumer.isAtEnd(TopicPartition(topic: topic, partition: partition)),
                "partition \(partition)'s last message reached the high watermark: no extra fetch is needed")
        }
        XCTAssertTrue(
            try eventually(timeout: 10) {  // the empty partition is at its end once a fetch response covered it
                received += try consumer.poll(maxMessages: 100, timeout: .milliseconds(50)).count
                return consumer.isCaughtUp
            })
        XCTAssertEqual(received, 1_000)

        for value in ["late", "later"] {  // one produce request: both are in the log before either is fetched
            try producer.send(ProducerRecord(topic: topic, partition: 1, value: Array(value.utf8))) { _ in }
        }
        try producer.flush(timeout: .seconds(30))
        XCTAssertEqual(try poll(consumer, atMost: 1), 1)
        XCTAssertFalse(consumer.isCaughtUp, "partition 1 has one unread message")
        XCTAssertEqual(try consume(consumer, count: 1).count, 1)
        XCTAssertTrue(consumer.isCaughtUp, "caught up again once the new messages were read")
        try consumer.close()
        XCTAssertFalse(consumer.isCaughtUp, "a closed consumer owns nothing")
    }

    /// Polls one message at a time until one arrives (not the end event behind it).
    private func poll(_ consumer: KafkaConsumer, atMost maxMessages: Int) throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let count = try consumer.poll(maxMessages: maxMessages, timeout: .milliseconds(200)).count
            if count > 0 { return count }
        }
        return 0
    }
}
