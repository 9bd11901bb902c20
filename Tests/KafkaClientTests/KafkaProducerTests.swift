import Foundation
import KafkaClient
import TestSupport
import XCTest

/// Producer behaviour against the real embedded broker.
final class KafkaProducerTests: XCTestCase {
    func testAwaitedDeliveryReportsCarryPartitionAndConsecutiveOffsets() async throws {
        let topic = TestEnvironment.uniqueTopic("delivery")
        try TestEnvironment.createTopic(topic, partitions: 1)
        let producer = try makeProducer()

        var offsets: [Int64] = []
        for index in 0..<5 {
            let report = try await producer.send(ProducerRecord(topic: topic, value: Array("v\(index)".utf8)))
            XCTAssertEqual(report.topic, topic)
            XCTAssertEqual(report.partition, 0)
            offsets.append(report.offset)
        }

        XCTAssertEqual(offsets, [0, 1, 2, 3, 4])
        producer.close()
    }

    func testFlushWaitsUntilEveryMessageIsAcknowledged() throws {
        let topic = TestEnvironment.uniqueTopic("flush")
        try TestEnvironment.createTopic(topic, partitions: 3)
        let producer = try makeProducer()
        let acknowledged = Counter()
        for index in 0..<2_000 {
            try producer.send(ProducerRecord(topic: topic, key: Array("\(index)".utf8), value: [1, 2, 3])) { result in
                if case .success = result { acknowledged.increment() }
            }
        }

        try producer.flush(timeout: .seconds(30))

        XCTAssertEqual(producer.outstandingCount, 0)
        XCTAssertEqual(acknowledged.value, 2_000)
        producer.close()
    }

    func testSendAfterCloseFailsWithClosedCode() throws {
        let producer = try makeProducer()
        producer.close()
        XCTAssertThrowsError(try producer.send(ProducerRecord(topic: "x", value: [1])) { _ in }) { error in
            XCTAssertEqual((error as? KafkaError)?.code, .closed)
        }
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
