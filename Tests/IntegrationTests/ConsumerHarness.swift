import Foundation
import TestSupport
import XCTest

/// Runs real `consumer` processes against one database and topic.
struct ConsumerHarness {
    /// A started consumer process and the port of its HTTP endpoints (`/metrics`, `/readyz`, `/livez`).
    struct Member {
        /// The process.
        let process: ChildProcess
        /// The port its HTTP endpoints listen on, on 127.0.0.1.
        let port: Int

        /// The URL of one of its HTTP endpoints, e.g. `url("/readyz")`.
        func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

        /// Whether its log shows a non-empty assignment.
        var hasPartitions: Bool { process.output.contains("offsets=[\"") }
    }

    let broker: String
    let topic: String
    let group: String
    let directory: URL
    var extraEnvironment: [String: String] = [:]

    var database: String { directory.appendingPathComponent("foodcount.db").path }
    var consumerDatabase: String { directory.appendingPathComponent("foodcount-consumer.db").path }

    /// Creates a topic on `broker` (the shared one by default) and a folder for the databases.
    init(prefix: String, partitions: Int, broker: String? = nil) throws {
        self.broker = try broker ?? TestEnvironment.broker
        topic = TestEnvironment.uniqueTopic(prefix)
        group = "\(prefix)-\(topic)"
        directory = try TestEnvironment.temporaryDirectory(prefix)
        try TestEnvironment.createTopic(topic, partitions: partitions, broker: self.broker)
        // The consumer checks its dead-letter topic like its topic: it is not ready while it is missing.
        try TestEnvironment.createTopic(topic + ".dlq", partitions: 1, broker: self.broker)
    }

    /// Starts one consumer process.
    func start() throws -> ChildProcess {
        try launch().process
    }

    /// Starts one consumer process and tells its HTTP port.
    /// - Parameter environment: Variables for this process only, applied after `extraEnvironment`.
    func launch(environment: [String: String] = [:]) throws -> Member {
        let variables = [
            "KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": group, "DATABASE_PATH": database,
            "SESSION_TIMEOUT_MS": "6000", "LOG_LEVEL": "info", "DLQ_TOPIC": topic + ".dlq",
            // Each consumer its own HTTP port: several run at once, and a taken port stops a consumer.
            "PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
        ].merging(extraEnvironment) { $1 }.merging(environment) { $1 }
        guard let port = variables["PORT"].flatMap({ Int($0) }) else {
            throw TestFailure("PORT must be a number: \(variables["PORT"] ?? "")")
        }
        return Member(
            process: try ChildProcess(TestEnvironment.executable("consumer"), [], environment: variables), port: port)
    }

    /// Records processed so far, by the stored offsets (0 while the offsets file is missing or empty).
    func processed() throws -> Int {
        try SQLiteInspector.processed(consumerDatabase: consumerDatabase, group: group)
    }

    /// The counts table, read with sqlite3.
    func counts() throws -> [String: Int] {
        try SQLiteInspector.counts(database)
    }

    /// Waits until the stored offsets add up to `total`; returns whether they did within `timeout`.
    func waitUntilProcessed(_ total: Int, timeout: TimeInterval = 60) throws -> Bool {
        try eventually(timeout: timeout, interval: 0.1) { try processed() == total }
    }

    /// Waits until the counts are exactly `expected` and the stored offsets add up to `processed`; stops
    /// early when any count passes its expected value (a recount cannot be undone). Returns the last counts.
    func waitForExactCounts(
        _ expected: [String: Int], processed: Int, timeout: TimeInterval = 60
    ) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        _ = try eventually(timeout: timeout, interval: 0.1) {
            counts = try self.counts()
            if counts.contains(where: { $0.value > expected[$0.key, default: 0] }) { return true }
            return try counts == expected && self.processed() == processed
        }
        return counts
    }

    /// Reads the counts every 100 ms for `duration` seconds; returns the first that differ from `expected`,
    /// or `nil` if they held.
    func countsDeviating(from expected: [String: Int], during duration: TimeInterval) throws -> [String: Int]? {
        let deadline = Date().addingTimeInterval(duration)
        repeat {
            let counts = try self.counts()
            if counts != expected { return counts }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        return nil
    }

    /// Produces `count` events whose distribution is returned: food `i % foods.count` for event `i`.
    /// - Parameter partitions: When given, event `i` goes to partition `i % partitions`; else the producer picks.
    func produceKnownDistribution(_ count: Int, foods: Int = 37, partitions: Int? = nil) throws -> [String: Int] {
        try produce((0..<count).map { "food\($0 % foods)" }, partitions: partitions)
    }

    /// Produces one `{"food": ...}` event per element and returns how many of each were produced.
    /// - Parameter partitions: When given, event `i` goes to partition `i % partitions`; else the producer picks.
    func produce(_ foods: [String], partitions: Int? = nil) throws -> [String: Int] {
        try produce(foods, partition: partitions.map { count in { $0 % count } })
    }

    /// Produces one `{"food": ...}` event per element to the partition `partition(i)` picks for event `i`.
    func produce(_ foods: [String], partition: ((Int) -> Int)?) throws -> [String: Int] {
        var expected: [String: Int] = [:]
        var messages: [PythonProducer.Message] = []
        messages.reserveCapacity(foods.count)
        for (index, food) in foods.enumerated() {
            expected[food, default: 0] += 1
            let value = String(decoding: try JSONSerialization.data(withJSONObject: ["food": food]), as: UTF8.self)
            messages.append(.text(value, partition: partition?(index)))
        }
        try PythonProducer.produce(messages, topic: topic, broker: broker)
        return expected
    }

    /// Starts the datafeed's load generator on this topic: `count` events at `rate` per second. It cycles
    /// through its 50 foods from the first, so a multiple of 50 events counts each food `count / 50` times.
    func startDatafeed(count: Int, rate: Int) throws -> ChildProcess {
        try ChildProcess(
            TestEnvironment.executable("datafeed"), ["--rate", "\(rate)", "--count", "\(count)"],
            environment: ["KAFKA_BROKER": broker, "KAFKA_TOPIC": topic])
    }

    /// Whether `counts` are what `total` datafeed events (a multiple of 50, in runs of multiples of 50) make:
    /// 50 foods, `total / 50` each.
    static func isUniform(_ counts: [String: Int], total: Int) -> Bool {
        total == 0 ? counts.isEmpty : counts.count == 50 && Set(counts.values) == [total / 50]
    }

    /// Sends SIGTERM and waits for the exit status (`nil` if it did not exit within `timeout`).
    @discardableResult
    func stop(_ process: ChildProcess, timeout: TimeInterval = 20) -> Int32? {
        process.signal(SIGTERM)
        return process.wait(timeout: timeout)
    }

    /// Sends SIGTERM to a member and waits for the exit status (`nil` if it did not exit within `timeout`).
    @discardableResult
    func stop(_ member: Member, timeout: TimeInterval = 20) -> Int32? {
        stop(member.process, timeout: timeout)
    }
}
