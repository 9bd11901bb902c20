import Foundation
import TestSupport
import XCTest

/// The consumer against a broker that restarts with an empty log (the embedded broker keeps it in memory).
final class BrokerRestartTests: XCTestCase {
    func testConsumerResumesFromTheNewLogsStartAfterTheBrokerLosesItsLog() throws {
        let broker = try EmbeddedBroker.start()
        defer { broker.stop() }
        let topic = TestEnvironment.uniqueTopic("restart")
        try TestEnvironment.createTopic(topic, partitions: 2, broker: broker.address)
        let directory = try TestEnvironment.temporaryDirectory("restart")
        let database = directory.appendingPathComponent("foodcount.db").path
        let consumerDatabase = directory.appendingPathComponent("foodcount-consumer.db").path
        // Explicit partitions keep every stored offset (1,500) beyond the new log's end (250): the case a
        // consumer can recognise. A new log that already outgrew a stored offset looks like the old one.
        let first = (0..<3_000).map { PythonProducer.Message.text(#"{"food": "old\#($0 % 3)"}"#, partition: $0 % 2) }
        try PythonProducer.produce(first, topic: topic, broker: broker.address)

        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker.address, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "restart",
                "DATABASE_PATH": database, "SESSION_TIMEOUT_MS": "6000", "PORT": "\(try EmbeddedBroker.freePort())",
                "HOST": "127.0.0.1",
            ])
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 60) { (try? SQLiteInspector.total(database)) == 3_000 }, consumer.output)

        try broker.restart()
        try TestEnvironment.createTopic(topic, partitions: 2, broker: broker.address)
        let second = (0..<500).map { PythonProducer.Message.text(#"{"food": "new\#($0 % 5)"}"#, partition: $0 % 2) }
        try PythonProducer.produce(second, topic: topic, broker: broker.address)

        let resumed = eventually(timeout: 90, interval: 0.25) { (try? SQLiteInspector.total(database)) == 3_500 }
        XCTAssertTrue(
            resumed,
            "counted \((try? SQLiteInspector.total(database)) ?? -1) of 3500:\n\(consumer.output.suffix(4_000))")
        XCTAssertTrue(
            consumer.isRunning, "the consumer must survive the broker restart; exit \(consumer.wait(timeout: 0) ?? 0)")
        let counts = try SQLiteInspector.counts(database)
        XCTAssertEqual(
            counts.filter { $0.key.hasPrefix("new") },
            ["new0": 100, "new1": 100, "new2": 100, "new3": 100, "new4": 100])
        XCTAssertEqual(counts.filter { $0.key.hasPrefix("old") }.values.reduce(0, +), 3_000)
        XCTAssertEqual(
            try SQLiteInspector.processed(consumerDatabase: consumerDatabase, group: "restart"), 500,
            "stored offsets follow the new log")
    }
}
