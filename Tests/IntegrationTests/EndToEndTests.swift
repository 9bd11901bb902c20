import Foundation
import TestSupport
import XCTest

/// The real executables against the real embedded broker and real SQLite files.
final class EndToEndTests: XCTestCase {
    /// A known distribution: 20 foods, uneven counts, 10,000 events in all.
    private func distribution() -> [String: Int] {
        let foods = [
            "sandwich", "soup", "pizza", "taco", "sushi", "ramen", "salad", "bagel", "curry", "waffle",
            "donut", "pasta", "kebab", "falafel", "omelette", "muffin", "noodles", "rice", "hummus", "cake",
        ]
        var counts: [String: Int] = [:]
        for (index, food) in foods.enumerated() { counts[food] = 100 + index * 40 }
        counts["sandwich", default: 0] += 10_000 - counts.values.reduce(0, +)
        return counts
    }

    func testConsumerCountsAKnownDistributionExactlyAndTheAPIServesIt() async throws {
        let broker = try TestEnvironment.broker
        let topic = TestEnvironment.uniqueTopic("e2e")
        try TestEnvironment.createTopic(topic, partitions: 4)
        let expected = distribution()
        XCTAssertEqual(expected.values.reduce(0, +), 10_000)

        // Spellings vary: the category rule trims and lowercases.
        var messages: [PythonProducer.Message] = []
        for (food, count) in expected.sorted(by: { $0.key < $1.key }) {
            for index in 0..<count {
                let spelling = index % 3 == 0 ? " \(food.uppercased()) " : food
                messages.append(.text(#"{"food": "\#(spelling)", "seq": \#(index)}"#))
            }
        }
        messages.shuffle()
        messages.insert(.text("this is not json", partition: 0), at: 5_000)
        try PythonProducer.produce(messages, topic: topic, broker: broker)

        let directory = try TestEnvironment.temporaryDirectory("e2e")
        let database = directory.appendingPathComponent("foodcount.db").path
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "e2e-\(topic)",
                "DATABASE_PATH": database, "SESSION_TIMEOUT_MS": "6000", "PORT": "\(try EmbeddedBroker.freePort())",
                "HOST": "127.0.0.1",
            ])
        let port = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(port)", "--host", "127.0.0.1"],
            environment: ["DATABASE_PATH": database])
        defer { api.signal(SIGTERM) }

        let complete = await eventuallyAsync(timeout: 90) {
            (await HTTP.counts(port: port))?.values.reduce(0, +) == 10_000
        }

        let served = await HTTP.counts(port: port)
        XCTAssertTrue(complete, "counts never reached 10,000: \(served ?? [:])\n\(consumer.output.suffix(3_000))")
        XCTAssertEqual(served, expected)
        let log = consumer.output
        XCTAssertTrue(
            log.contains("invalid event") && log.contains("topic=\(topic)") && log.contains("partition=0")
                && log.contains("offset="),
            "the malformed message must be logged with its topic, partition and offset:\n\(log.suffix(3_000))")

        consumer.signal(SIGTERM)
        XCTAssertEqual(
            consumer.wait(timeout: 15), 0, "SIGTERM must end the consumer cleanly:\n\(consumer.output.suffix(2_000))")
    }

    func testAPIAnswers503WithAJSONErrorWhileTheDatabaseIsMissing() async throws {
        let directory = try TestEnvironment.temporaryDirectory("api")
        let port = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(port)", "--host", "127.0.0.1"],
            environment: ["DATABASE_PATH": directory.appendingPathComponent("missing.db").path])
        defer { api.signal(SIGTERM) }

        let up = await eventuallyAsync(timeout: 20) {
            (try? await HTTP.request("http://127.0.0.1:\(port)/livez")) != nil
        }
        XCTAssertTrue(up, api.output)
        let response = try await HTTP.request("http://127.0.0.1:\(port)/aggregated")

        XCTAssertEqual(response.status, 503)
        let error = response.jsonObject?["error"] as? [String: Any]
        XCTAssertEqual(error?["code"] as? String, "unavailable")
        XCTAssertTrue(api.isRunning, "the API must stay up")
    }

    func testAPIAnswersUnknownPaths404AndWrongMethods405InJSON() async throws {
        let port = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"),
            ["--port", "\(port)", "--host", "127.0.0.1", "--database", "/nonexistent.db"])
        defer { api.signal(SIGTERM) }
        let up = await eventuallyAsync(timeout: 20) {
            (try? await HTTP.request("http://127.0.0.1:\(port)/livez")) != nil
        }
        XCTAssertTrue(up, api.output)

        let missing = try await HTTP.request("http://127.0.0.1:\(port)/no/such/path")
        let wrongMethod = try await HTTP.request("http://127.0.0.1:\(port)/aggregated", method: "POST")

        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual((missing.jsonObject?["error"] as? [String: Any])?["code"] as? String, "not_found")
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual((wrongMethod.jsonObject?["error"] as? [String: Any])?["code"] as? String, "method_not_allowed")
    }

    func testAPIAnswers503WhileTheDatabaseIsLockedOrCorruptAndRecovers() async throws {
        let directory = try TestEnvironment.temporaryDirectory("apifaults")
        let database = directory.appendingPathComponent("foodcount.db").path
        _ = try SQLiteInspector.query(
            database,
            "CREATE TABLE food_counts (category TEXT NOT NULL PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0)); INSERT INTO food_counts VALUES ('soup', 3);"
        )
        let port = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(port)", "--host", "127.0.0.1", "--database", database])
        defer { api.signal(SIGTERM) }
        let served = await eventuallyAsync(timeout: 20) { await HTTP.counts(port: port) == ["soup": 3] }
        XCTAssertTrue(served, api.output)

        // An exclusive lock (a writer in the middle of its commit) held longer than the reader's busy timeout.
        let locker = try ChildProcess(
            TestEnvironment.python,
            [
                "-c",
                "import sqlite3, sys, time\ndb = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                    + "db.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(6)\ndb.execute('ROLLBACK')\n",
                database,
            ])
        let isLocked = eventually(timeout: 10, interval: 0.1) { locker.output.contains("locked") }
        XCTAssertTrue(isLocked, locker.output)
        let locked = try await HTTP.request("http://127.0.0.1:\(port)/aggregated")
        XCTAssertEqual(locked.status, 503)
        XCTAssertEqual((locked.jsonObject?["error"] as? [String: Any])?["code"] as? String, "busy")
        XCTAssertEqual(locker.wait(timeout: 20), 0)
        let recovered = await eventuallyAsync(timeout: 10) { await HTTP.counts(port: port) == ["soup": 3] }
        XCTAssertTrue(recovered)

        try Data(repeating: 0x42, count: 8_192).write(to: URL(fileURLWithPath: database))
        let corrupt = try await HTTP.request("http://127.0.0.1:\(port)/aggregated")
        XCTAssertEqual(corrupt.status, 503)
        XCTAssertTrue(api.isRunning, "the API must stay up")
    }

    func testExecutablesDescribeTheirOptionsWithHelp() throws {
        for (name, option) in [("consumer", "KAFKA_BROKER"), ("datafeed", "--rate"), ("api", "PORT")] {
            let result = try ChildProcess.run(TestEnvironment.executable(name), ["--help"], timeout: 30)
            XCTAssertEqual(result.status, 0, "\(name) --help: \(result.output)")
            XCTAssertTrue(
                result.output.contains(option), "\(name) --help does not mention \(option):\n\(result.output)")
        }
    }

    func testConsumerRejectsAMalformedBrokerAddressInOneLine() throws {
        let directory = try TestEnvironment.temporaryDirectory("badbroker")
        let result = try ChildProcess.run(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": "no-port-here", "DATABASE_PATH": directory.appendingPathComponent("x.db").path,
            ],
            timeout: 30)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("malformed broker address"), result.output)
    }
}
