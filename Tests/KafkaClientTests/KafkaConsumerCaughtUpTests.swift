import Foundation
import KafkaClient
import TestSupport
import XCTest

/// `KafkaConsumer.isCaughtUp`, from librdkafka's end-of-partition events, against the real embedded broker.
final class KafkaConsumerCaughtUpTests: XCTestCase {
    func testConsumerIsCaughtUpOnlyOnceEveryPartitionIsReadToItsEnd() throws {
        let topic = TestEnvironment.uniqueTopic("caughtup")
        try TestEnvironment.createTopic(topic, partitions: 2)
        let producer = try makeProducer()
        for index in 0..<1_000 {
            let record = ProducerRecord(topic: topic, partition: Int32(index % 2), value: Array("m\(index)".utf8))
            try producer.send(record) { _ in }
        }
        try producer.flush(timeout: .seconds(30))
        let consumer = try makeConsumer()
        try consumer.subscribe(topics: [topic], handler: RecordingRebalanceHandler())
        XCTAssertFalse(consumer.isCaughtUp, "nothing is owned before the group join")

        var received = 0
        let deadline = Date().addingTimeInterval(30)
        while received == 0, Date() < deadline {
            received += try consumer.poll(maxMessages: 1, timeout: .milliseconds(200)).count
        }
        XCTAssertEqual(received, 1)
        XCTAssertFalse(consumer.isCaughtUp, "both partitions still hold unread messages")
        received += try consume(consumer, count: 1_000 - received).count
        XCTAssertEqual(received, 1_000)
        XCTAssertTrue(
            try eventually(timeout: 10) {
                received += try consumer.poll(maxMessages: 100, timeout: .milliseconds(50)).count
                return consumer.isCaughtUp
            }, "every partition was read to its end")
        XCTAssertEqual(received, 1_000, "the end-of-partition events never reach the caller as messages")

        _ = try producer.sendAndWait(ProducerRecord(topic: topic, partition: 1, value: Array("late".utf8)))
        var late: [KafkaMessage] = []
        let lateDeadline = Date().addingTimeInterval(30)
        while late.isEmpty, Date() < lateDeadline {
            late = try consumer.poll(maxMessages: 1, timeout: .milliseconds(200))  // not the end event behind it
        }
        XCTAssertEqual(late.map { String(decoding: $0.value ?? [], as: UTF8.self) }, ["late"])
        XCTAssertFalse(consumer.isCaughtUp, "a new message takes its partition off the end")
        XCTAssertTrue(
            try eventually(timeout: 10) {
                XCTAssertTrue(try consumer.poll(maxMessages: 100, timeout: .milliseconds(50)).isEmpty)
                return consumer.isCaughtUp
            }, "caught up again once the new message was read")
        try consumer.close()
        XCTAssertFalse(consumer.isCaughtUp, "a closed consumer owns nothing")
    }
}
