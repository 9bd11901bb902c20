import Foundation
import KafkaClient
import TestSupport
import XCTest

/// Consumer behaviour against the real embedded broker.
final class KafkaConsumerTests: XCTestCase {
    func testConsumerStartsExactlyAtOffsetsChosenOnAssignment() throws {
        let topic = TestEnvironment.uniqueTopic("start")
        try TestEnvironment.createTopic(topic, partitions: 1)
        let producer = try makeProducer()
        for index in 0..<20 {
            _ = try producer.sendAndWait(ProducerRecord(topic: topic, value: Array("m\(index)".utf8)))
        }
        let consumer = try makeConsumer()
        let handler = RecordingRebalanceHandler()
        handler.starts = [TopicPartition(topic: topic, partition: 0): .offset(7)]
        try consumer.subscribe(topics: [topic], handler: handler)

        let messages = try consume(consumer, count: 13)

        XCTAssertEqual(messages.map(\.offset), Array(7..<20))
        XCTAssertEqual(messages.first.map { String(decoding: $0.value ?? [], as: UTF8.self) }, "m7")
        XCTAssertEqual(handler.assigned.flatMap { $0 }, [TopicPartition(topic: topic, partition: 0)])
        try consumer.close()
    }

    func testCloseRevokesThroughHandlerAndLeavesGroup() throws {
        let topic = TestEnvironment.uniqueTopic("close")
        try TestEnvironment.createTopic(topic, partitions: 2)
        let consumer = try makeConsumer()
        let handler = RecordingRebalanceHandler()
        try consumer.subscribe(topics: [topic], handler: handler)
        XCTAssertTrue(
            try eventually(timeout: 30) {
                _ = try consumer.poll(maxMessages: 10, timeout: .milliseconds(100))
                return consumer.assignment.count == 2
            })

        try consumer.close()

        XCTAssertEqual(handler.revoked.count, 1)
        let expected: Set = [TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)]
        XCTAssertEqual(Set(handler.revoked.first?.partitions ?? []), expected)
        XCTAssertEqual(handler.revoked.first?.lost, false)
        XCTAssertTrue(consumer.assignment.isEmpty)
    }

    func testBatchPollReturnsManyMessagesPerCall() throws {
        let topic = TestEnvironment.uniqueTopic("batch")
        try TestEnvironment.createTopic(topic, partitions: 1)
        let producer = try makeProducer()
        for index in 0..<5_000 {
            try producer.send(ProducerRecord(topic: topic, value: Array("{\"food\":\"x\(index % 7)\"}".utf8))) { _ in }
        }
        try producer.flush(timeout: .seconds(30))
        let consumer = try makeConsumer()
        try consumer.subscribe(topics: [topic], handler: RecordingRebalanceHandler())

        var largest = 0
        var total = 0
        let deadline = Date().addingTimeInterval(30)
        while total < 5_000, Date() < deadline {
            let batch = try consumer.poll(maxMessages: 1_000, timeout: .milliseconds(200))
            largest = max(largest, batch.count)
            total += batch.count
        }

        XCTAssertEqual(total, 5_000)
        XCTAssertGreaterThan(largest, 100, "messages should arrive in batches, not one by one")
        try consumer.close()
    }

    func testTombstonesAndHeadersSurviveTheRoundTrip() throws {
        let topic = TestEnvironment.uniqueTopic("tombstone")
        try TestEnvironment.createTopic(topic, partitions: 1)
        let producer = try makeProducer()
        let headers = [KafkaHeader(name: "trace", string: "abc"), KafkaHeader(name: "empty", value: [])]
        _ = try producer.sendAndWait(ProducerRecord(topic: topic, key: Array("k".utf8), value: nil, headers: headers))
        _ = try producer.sendAndWait(ProducerRecord(topic: topic, value: []))
        let consumer = try makeConsumer()
        try consumer.subscribe(topics: [topic], handler: RecordingRebalanceHandler())

        let messages = try consume(consumer, count: 2)

        XCTAssertEqual(messages.count, 2)
        XCTAssertNil(messages.first?.value, "a null value must stay null")
        XCTAssertEqual(messages.first?.key, Array("k".utf8))
        XCTAssertEqual(messages.first?.headers, headers)
        XCTAssertEqual(messages.last?.value, [], "an empty value is not a tombstone")
        try consumer.close()
    }

    func testBorrowingPollLendsEveryMessageInOrderWithoutCopying() throws {
        let topic = TestEnvironment.uniqueTopic("borrow")
        try TestEnvironment.createTopic(topic, partitions: 1)
        let producer = try makeProducer()
        let headers = [KafkaHeader(name: "trace", string: "abc")]
        _ = try producer.sendAndWait(ProducerRecord(topic: topic, key: Array("k".utf8), value: nil, headers: headers))
        for index in 1..<300 {
            try producer.send(ProducerRecord(topic: topic, value: Array("v\(index)".utf8))) { _ in }
        }
        try producer.flush(timeout: .seconds(30))
        let consumer = try makeConsumer()
        try consumer.subscribe(topics: [topic], handler: RecordingRebalanceHandler())

        var seen: [(offset: Int64, value: String?)] = []
        var first: KafkaMessage?
        let deadline = Date().addingTimeInterval(30)
        while seen.count < 300, Date() < deadline {
            let visited = try consumer.poll(maxMessages: 100, timeout: .milliseconds(200)) { message in
                if message.offset == 0 { first = message.makeMessage() }
                seen.append((message.offset, message.value.map { String(decoding: $0, as: UTF8.self) }))
                XCTAssertEqual(message.topic, topic)
            }
            XCTAssertLessThanOrEqual(visited, 100)
        }

        XCTAssertEqual(seen.map(\.offset), Array(0..<300))
        XCTAssertNil(seen.first?.value, "a tombstone is lent as a nil value")
        XCTAssertEqual(seen.last?.value, "v299")
        XCTAssertEqual(first?.key, Array("k".utf8))
        XCTAssertEqual(first?.headers, headers)
        XCTAssertNotNil(first?.timestampMilliseconds)
        try consumer.close()
    }

    func testConfigurationBoundsPrefetchingAndKeepsFetchingWhileTheQueueDrains() {
        let properties = Dictionary(
            KafkaConsumer.Configuration(maxFetchBytes: 2_000_000, prefetchMessages: 500).librdkafkaProperties,
            uniquingKeysWith: { $1 })

        XCTAssertEqual(properties["fetch.max.bytes"], "2000000")
        XCTAssertEqual(properties["queued.min.messages"], "500")
        XCTAssertEqual(properties["fetch.queue.backoff.ms"], "5", "librdkafka's 1 s default stalls a fast consumer")
        let defaults = Dictionary(KafkaConsumer.Configuration().librdkafkaProperties, uniquingKeysWith: { $1 })
        XCTAssertEqual(
            defaults["queued.min.messages"], "25000",
            "deep enough that fetching goes on while the consumer counts (docs/benchmarks.md), small enough for 64 MiB")
        XCTAssertEqual(defaults["fetch.max.bytes"], "1048576")
        XCTAssertEqual(
            properties["enable.partition.eof"], "false",
            "with batch consumption, an end event moves librdkafka's resume position one message too far")
    }

    func testWakeupMakesABlockedPollReturnEarly() throws {
        let topic = TestEnvironment.uniqueTopic("wakeup")
        try TestEnvironment.createTopic(topic, partitions: 1)
        let consumer = try makeConsumer()
        try consumer.subscribe(topics: [topic], handler: RecordingRebalanceHandler())
        _ = try consumer.poll(maxMessages: 10, timeout: .milliseconds(100))

        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { consumer.wakeup() }
        let started = Date()
        _ = try consumer.poll(maxMessages: 10, timeout: .seconds(20))

        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        try consumer.close()
    }

    func testIdleConsumerUsesAlmostNoCPU() throws {
        let topic = TestEnvironment.uniqueTopic("idle")
        try TestEnvironment.createTopic(topic, partitions: 2)
        let consumer = try makeConsumer()
        try consumer.subscribe(topics: [topic], handler: RecordingRebalanceHandler())
        XCTAssertTrue(
            try eventually(timeout: 30) {
                _ = try consumer.poll(maxMessages: 10, timeout: .milliseconds(100))
                return consumer.assignment.count == 2
            })

        let before = processCPUSeconds()
        let started = Date()
        while Date().timeIntervalSince(started) < 3 {
            _ = try consumer.poll(maxMessages: 1_000, timeout: .milliseconds(500))
        }
        let used = processCPUSeconds() - before

        XCTAssertLessThan(used, 0.15, "an idle consumer used \(used) s of CPU in 3 s")
        try consumer.close()
    }

    func testMalformedBrokerAddressFailsWithAClearError() {
        XCTAssertThrowsError(
            try KafkaConsumer(configuration: .init(bootstrapServers: "localhost"), logger: testLogger)
        ) { error in
            XCTAssertEqual((error as? KafkaError)?.code, .invalidConfiguration)
            XCTAssertTrue("\(error)".contains("host:port"), "\(error)")
        }
    }

    func testAPropertyTheConsumerOwnsIsRefusedWithItsName() {
        for key in KafkaConsumer.Configuration.ownedProperties.keys {
            XCTAssertThrowsError(
                try KafkaConsumer(
                    configuration: .init(bootstrapServers: "127.0.0.1:1", properties: [key: "x"]), logger: testLogger)
            ) { error in
                XCTAssertEqual((error as? KafkaError)?.code, .invalidConfiguration)
                XCTAssertTrue("\(error)".contains(key), "\(error)")
            }
        }
        XCTAssertTrue(
            KafkaConsumer.Configuration().librdkafkaProperties.contains { $0 == ("isolation.level", "read_committed") })
    }

    func testUnknownLibrdkafkaPropertyIsRejectedWithItsName() {
        XCTAssertThrowsError(
            try KafkaConsumer(
                configuration: .init(bootstrapServers: "127.0.0.1:1", properties: ["no.such.property": "1"]),
                logger: testLogger)
        ) { error in
            XCTAssertEqual((error as? KafkaError)?.code, .invalidConfiguration)
            XCTAssertTrue("\(error)".contains("no.such.property"), "\(error)")
        }
    }
}

private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
