import Foundation
import TestSupport
import XCTest

/// Runs real `consumer` processes against one database and topic.
struct ConsumerHarness {
    let broker: String
    let topic: String
    let group: String
    let directory: URL
    var extraEnvironment: [String: String] = [:]

    var database: String { directory.appendingPathComponent("foodcount.db").path }
    var consumerDatabase: String { directory.appendingPathComponent("foodcount-consumer.db").path }

    init(prefix: String, partitions: Int) throws {
        broker = try TestEnvironment.broker
        topic = TestEnvironment.uniqueTopic(prefix)
        group = "\(prefix)-\(topic)"
        directory = try TestEnvironment.temporaryDirectory(prefix)
        try TestEnvironment.createTopic(topic, partitions: partitions)
    }

    /// Starts one consumer process.
    func start() throws -> ChildProcess {
        try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": group, "DATABASE_PATH": database,
                "SESSION_TIMEOUT_MS": "6000", "LOG_LEVEL": "info",
                // Each consumer its own HTTP port: several run at once, and a taken port stops a consumer.
                "PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
            ].merging(extraEnvironment) { $1 })
    }

    /// Records processed so far, by the stored offsets.
    func processed() -> Int {
        (try? SQLiteInspector.processed(consumerDatabase: consumerDatabase, group: group)) ?? 0
    }

    /// Produces `count` events whose distribution is returned: food `i % foods.count` for event `i`.
    func produceKnownDistribution(_ count: Int, foods: Int = 37) throws -> [String: Int] {
        var expected: [String: Int] = [:]
        var messages: [PythonProducer.Message] = []
        messages.reserveCapacity(count)
        for index in 0..<count {
            let food = "food\(index % foods)"
            expected[food, default: 0] += 1
            messages.append(.text(#"{"food": "\#(food)"}"#))
        }
        try PythonProducer.produce(messages, topic: topic, broker: broker)
        return expected
    }
}
