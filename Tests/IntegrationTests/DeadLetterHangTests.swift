import Foundation
import TestSupport
import XCTest

/// A dead-letter write that the broker never answers holds neither a shutdown nor the counts: the stop
/// ends the wait within the shutdown deadline, nothing past the unacknowledged letter is stored, and the
/// next run writes it (perhaps twice) and counts exactly.
final class DeadLetterHangTests: XCTestCase {
    func testAStopEndsAnUnansweredDeadLetterWriteWithinTheShutdownDeadlineAndLosesNothing() throws {
        // Clients reach the broker through a proxy that can hold the dead-letter producer's requests.
        let proxyPort = try EmbeddedBroker.freePort()
        let broker = try EmbeddedBroker.start(advertisedPort: proxyPort)
        defer { broker.stop() }
        let directory = try TestEnvironment.temporaryDirectory("dlqhang")
        let hold = directory.appendingPathComponent("hold").path
        XCTAssertTrue(FileManager.default.createFile(atPath: hold, contents: nil))
        let proxy = try ChildProcess(
            TestEnvironment.python,
            [
                TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/kafka_proxy.py").path,
                "\(proxyPort)", "\(broker.port)", "foodcount-dead-letters", hold,
            ])
        defer { proxy.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 20) { proxy.output.contains("listening") }, proxy.output)
        let address = "127.0.0.1:\(proxyPort)"
        let topic = TestEnvironment.uniqueTopic("dlqhang")
        try TestEnvironment.createTopic(topic, partitions: 1, broker: broker.address)
        try TestEnvironment.createTopic(topic + ".dlq", partitions: 1, broker: broker.address)
        let good = (0..<10).map { _ in PythonProducer.Message.text(#"{"food": "soup"}"#) }
        try PythonProducer.produce(good + [.text("not json")] + good, topic: topic, broker: address)

        let database = directory.appendingPathComponent("foodcount.db").path
        let consumerDatabase = directory.appendingPathComponent("foodcount-consumer.db").path
        let environment = [
            "KAFKA_BROKER": address, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "dlqhang", "DATABASE_PATH": database,
            "DLQ_TOPIC": topic + ".dlq", "SESSION_TIMEOUT_MS": "6000", "SHUTDOWN_TIMEOUT_SECONDS": "5",
            "BATCH_DELAY_MS": "50", "HOST": "127.0.0.1",
        ]
        let first = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: environment.merging(["PORT": "\(try EmbeddedBroker.freePort())"]) { $1 })
        defer { first.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 60) { first.output.contains("dead-lettering invalid event") },
            first.output.suffix(2_000).description)
        Thread.sleep(forTimeInterval: 2)  // the dead letter is now waiting for an answer that never comes

        let stopping = Date()
        first.signal(SIGTERM)
        let status = first.wait(timeout: 60)
        let took = Date().timeIntervalSince(stopping)
        XCTAssertLessThan(took, 9, "SHUTDOWN_TIMEOUT_SECONDS=5 must bound the wait:\n\(first.output.suffix(2_000))")
        XCTAssertNotNil(status)
        let stored = try SQLiteInspector.processed(consumerDatabase: consumerDatabase, group: "dlqhang")
        XCTAssertLessThanOrEqual(stored, 10, "no offset past the unacknowledged dead letter (offset 10) is stored")

        try FileManager.default.removeItem(atPath: hold)
        let second = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: environment.merging(["PORT": "\(try EmbeddedBroker.freePort())"]) { $1 })
        defer { second.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 60) {
                (try? SQLiteInspector.processed(consumerDatabase: consumerDatabase, group: "dlqhang")) == 21
            }, second.output.suffix(2_000).description)
        second.signal(SIGTERM)
        XCTAssertEqual(second.wait(timeout: 20), 0, second.output.suffix(2_000).description)
        XCTAssertEqual(try SQLiteInspector.counts(database), ["soup": 20])
        let letters = try PythonConsumer.readAll(topic: topic + ".dlq", broker: broker.address, idle: 4)
        XCTAssertGreaterThanOrEqual(letters.count, 1, "the dead letter is written")
        XCTAssertTrue(letters.allSatisfy { $0.value == Array("not json".utf8) }, "\(letters)")
    }
}
