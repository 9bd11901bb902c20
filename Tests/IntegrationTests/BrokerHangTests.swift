import Foundation
import TestSupport
import XCTest

/// The consumer recovers by itself from a broker frozen for 20 s.
final class BrokerHangTests: XCTestCase {
    func testConsumerRecoversFromATwentySecondBrokerHangWithExactCounts() throws {
        let broker = try EmbeddedBroker.start()
        defer {
            broker.resume()
            broker.stop()
        }
        let topic = TestEnvironment.uniqueTopic("hang")
        try TestEnvironment.createTopic(topic, partitions: 2, broker: broker.address)
        let directory = try TestEnvironment.temporaryDirectory("hang")
        let database = directory.appendingPathComponent("foodcount.db").path
        let total = 20_000
        // The datafeed cycles through its 50 foods: 400 of each.
        let feed = try ChildProcess(
            TestEnvironment.executable("datafeed"), ["--rate", "800", "--count", "\(total)"],
            // The datafeed waits out the hang (its default gives up on a send after 10 s).
            environment: [
                "KAFKA_BROKER": broker.address, "KAFKA_TOPIC": topic, "DATAFEED_DELIVERY_TIMEOUT_MS": "60000",
            ])
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker.address, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "hang",
                "DATABASE_PATH": database, "SESSION_TIMEOUT_MS": "6000", "DLQ_TOPIC": "",
                "PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
            ])
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 60) { ((try? SQLiteInspector.total(database)) ?? 0) > 1_000 })

        broker.pause()
        Thread.sleep(forTimeInterval: 20)
        broker.resume()

        XCTAssertEqual(
            feed.wait(timeout: 120), 0, "the datafeed must deliver everything:\n\(feed.output.suffix(1_000))")
        let done = eventually(timeout: 120, interval: 0.5) { (try? SQLiteInspector.total(database)) == total }
        XCTAssertTrue(
            done,
            "counted \((try? SQLiteInspector.total(database)) ?? -1) of \(total):\n\(consumer.output.suffix(3_000))")
        XCTAssertTrue(consumer.isRunning)
        let counts = try SQLiteInspector.counts(database)
        XCTAssertEqual(counts.count, 50)
        XCTAssertEqual(Set(counts.values), [total / 50])
    }
}
