import Foundation
import TestSupport
import XCTest

/// A missing topic is said at once and shows in readiness; `--create-topics` creates it; a datafeed whose
/// broker is away reports failed deliveries within a bounded time.
final class TopicCheckTests: XCTestCase {
    func testAMissingTopicIsSaidAtOnceAndMakesTheConsumerNotReadyUntilItAppears() async throws {
        let broker = try TestEnvironment.broker
        let topic = TestEnvironment.uniqueTopic("missing")
        let directory = try TestEnvironment.temporaryDirectory("missing")
        let port = try EmbeddedBroker.freePort()
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "missing-\(topic)",
                "DATABASE_PATH": directory.appendingPathComponent("foodcount.db").path, "METRICS_PORT": "\(port)",
                "HOST": "127.0.0.1", "SESSION_TIMEOUT_MS": "6000", "STATS_INTERVAL_MS": "500", "DLQ_TOPIC": "",
            ])
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 15) { consumer.output.contains("topic '\(topic)' does not exist") },
            consumer.output.suffix(2_000).description)
        // The log line can come before the metrics server listens: wait for an answer, not a connection error.
        var answer: HTTP.Response?
        _ = await eventuallyAsync(timeout: 10) {
            answer = try? await HTTP.request("http://127.0.0.1:\(port)/readyz")
            return answer != nil
        }
        let notReady = try XCTUnwrap(answer, "the metrics server never answered")
        XCTAssertEqual(notReady.status, 503)
        XCTAssertTrue(
            (notReady.jsonObject?["failing"] as? String)?.contains("topic_exists") == true,
            String(decoding: notReady.body, as: UTF8.self))

        try TestEnvironment.createTopic(topic, partitions: 1)
        try PythonProducer.produce([.text(#"{"food": "soup"}"#)], topic: topic, broker: broker)
        let counted = eventually(timeout: 60) {
            (try? SQLiteInspector.counts(directory.appendingPathComponent("foodcount.db").path)) == ["soup": 1]
        }
        XCTAssertTrue(counted, consumer.output.suffix(3_000).description)
        XCTAssertTrue(eventually(timeout: 10) { consumer.output.contains("topic '\(topic)' exists now") })
        let ready = await eventuallyAsync(timeout: 20) {
            (try? await HTTP.request("http://127.0.0.1:\(port)/readyz"))?.status == 200
        }
        XCTAssertTrue(ready, "ready once the topic exists")
    }

    func testAMissingDeadLetterTopicMakesTheConsumerNotReadyNamingItUntilItAppears() async throws {
        let broker = try TestEnvironment.broker
        let topic = TestEnvironment.uniqueTopic("dlqmissing")
        try TestEnvironment.createTopic(topic, partitions: 1)
        let directory = try TestEnvironment.temporaryDirectory("dlqmissing")
        let port = try EmbeddedBroker.freePort()
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "dlqmissing-\(topic)",
                "DLQ_TOPIC": topic + ".dlq", "DATABASE_PATH": directory.appendingPathComponent("foodcount.db").path,
                "METRICS_PORT": "\(port)", "HOST": "127.0.0.1", "SESSION_TIMEOUT_MS": "6000",
                "STATS_INTERVAL_MS": "500",
            ])
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 15) { consumer.output.contains("topic '\(topic).dlq' does not exist") },
            consumer.output.suffix(2_000).description)
        var answer: HTTP.Response?
        _ = await eventuallyAsync(timeout: 20) {
            answer = try? await HTTP.request("http://127.0.0.1:\(port)/readyz")
            return answer?.jsonObject?["failing"] as? String == "dead_letter_topic_exists"
        }
        let notReady = try XCTUnwrap(answer, "the metrics server never answered")
        XCTAssertEqual(notReady.status, 503)
        XCTAssertEqual(notReady.jsonObject?["failing"] as? String, "dead_letter_topic_exists")
        XCTAssertTrue(
            (notReady.jsonObject?["reason"] as? String)?.contains("dead-letter topic '\(topic).dlq'") == true,
            String(decoding: notReady.body, as: UTF8.self))

        try TestEnvironment.createTopic(topic + ".dlq", partitions: 1)
        let ready = await eventuallyAsync(timeout: 30) {
            (try? await HTTP.request("http://127.0.0.1:\(port)/readyz"))?.status == 200
        }
        XCTAssertTrue(ready, "ready once the dead-letter topic exists\n\(consumer.output.suffix(2_000))")
    }

    func testCreateTopicsMakesTheConsumerCreateAMissingTopic() throws {
        let broker = try TestEnvironment.broker
        let topic = TestEnvironment.uniqueTopic("create")
        let directory = try TestEnvironment.temporaryDirectory("create")
        let database = directory.appendingPathComponent("foodcount.db").path
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), ["--create-topics", "--topic-partitions", "3"],
            environment: [
                "KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "create-\(topic)",
                "DATABASE_PATH": database, "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
                "SESSION_TIMEOUT_MS": "6000",
            ])
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 15) { consumer.output.contains("created the topic") }, consumer.output)
        let messages = (0..<3).map { PythonProducer.Message.text(#"{"food": "soup"}"#, partition: $0) }
        try PythonProducer.produce(messages, topic: topic, broker: broker)
        XCTAssertTrue(
            eventually(timeout: 60) { (try? SQLiteInspector.counts(database)) == ["soup": 3] },
            consumer.output.suffix(2_000).description)
    }

    func testTheDatafeedRefusesAMissingTopicAndAnUnreachableBrokerInBoundedTime() throws {
        let missing = try ChildProcess.run(
            TestEnvironment.executable("datafeed"), ["--count", "1"],
            environment: [
                "KAFKA_BROKER": try TestEnvironment.broker, "KAFKA_TOPIC": TestEnvironment.uniqueTopic("nope"),
            ])
        XCTAssertEqual(missing.status, 2, missing.output)
        XCTAssertTrue(missing.output.contains("does not exist"), missing.output)
        XCTAssertFalse(missing.output.contains("connected"), "nothing claims a connection that is not there")

        let started = Date()
        let unreachable = try ChildProcess.run(
            TestEnvironment.executable("datafeed"), ["--count", "1"],
            environment: ["KAFKA_BROKER": "127.0.0.1:\(try EmbeddedBroker.freePort())"], timeout: 60)
        XCTAssertEqual(unreachable.status, 2, unreachable.output)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15)
        XCTAssertFalse(unreachable.output.contains("connected"), unreachable.output)
    }

    func testADatafeedWhoseBrokerHangsReportsEachFailedDeliveryWithinItsTimeout() throws {
        let broker = try EmbeddedBroker.start()
        defer {
            broker.resume()
            broker.stop()
        }
        let topic = TestEnvironment.uniqueTopic("hangfeed")
        try TestEnvironment.createTopic(topic, partitions: 1, broker: broker.address)
        let feed = try ChildProcess(
            TestEnvironment.executable("datafeed"), ["--delivery-timeout-ms", "2000"],
            environment: ["KAFKA_BROKER": broker.address, "KAFKA_TOPIC": topic])
        defer { feed.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 20) { feed.output.contains("Waiting") }, feed.output)
        broker.pause()
        let paused = Date()
        let failed = eventually(timeout: 20) { feed.output.contains("failed:") }
        XCTAssertTrue(failed, feed.output)
        XCTAssertLessThan(
            Date().timeIntervalSince(paused), 8, "a send fails within its 2 s timeout plus the 1-2 s pace")
    }

    func testTheLoadModesProgressComesAsWholeLinesWhenTheOutputIsNotATerminal() throws {
        let topic = TestEnvironment.uniqueTopic("progress")
        try TestEnvironment.createTopic(topic, partitions: 1)
        let feed = try ChildProcess.run(
            TestEnvironment.executable("datafeed"), ["--rate", "1500", "--count", "3000"],
            environment: ["KAFKA_BROKER": try TestEnvironment.broker, "KAFKA_TOPIC": topic])
        XCTAssertEqual(feed.status, 0, feed.output)
        XCTAssertFalse(feed.output.contains("\r"), "no carriage returns in a pipe: \(feed.output.debugDescription)")
        let progress = feed.output.split(separator: "\n").filter { $0.hasPrefix("sent ") }
        XCTAssertGreaterThanOrEqual(progress.count, 2, "a line per second: \(feed.output)")
        XCTAssertTrue(progress.last?.hasPrefix("sent 3000  acked 3000  failed 0") == true, "\(progress)")
    }
}
