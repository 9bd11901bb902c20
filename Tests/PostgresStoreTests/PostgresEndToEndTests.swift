import FoodCountCore
import Foundation
import PostgresStore
import TestSupport
import XCTest

/// The real `consumer` and `api` against the embedded broker and a real PostgreSQL database: two members of
/// one group count into the shared database, one is SIGKILLed mid-stream and restarted, and the API reading
/// PostgreSQL serves exactly what was produced.
final class PostgresEndToEndTests: XCTestCase {
    func testTwoConsumersCountExactlyIntoPostgreSQLThroughAKillAndTheAPIServesTheCounts() async throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let url =
            "postgres://\(database.location.username)@\(database.location.host):\(database.location.port)/"
            + database.location.database
        let broker = try TestEnvironment.broker
        let topic = TestEnvironment.uniqueTopic("pg-e2e")
        try TestEnvironment.createTopic(topic, partitions: 4)

        let foods = ["soup", "taco", "pizza", "ramen", "bagel", "curry", "café"]
        var expected: [String: Int] = [:]
        func batch(_ count: Int, offset: Int) -> [PythonProducer.Message] {
            (0..<count).map { index in
                let food = foods[(index + offset) % foods.count]
                expected[food, default: 0] += 1
                return .text(#"{"food": "\#(index % 4 == 0 ? food.uppercased() : food)"}"#)
            }
        }
        try PythonProducer.produce(batch(3_000, offset: 0), topic: topic, broker: broker)

        func startConsumer() throws -> ChildProcess {
            try ChildProcess(
                TestEnvironment.executable("consumer"), [],
                environment: [
                    "KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "pg-\(topic)",
                    "DATABASE_URL": url, "SESSION_TIMEOUT_MS": "6000", "BATCH_SIZE": "200",
                    "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
                ])
        }
        let first = try startConsumer()
        var second = try startConsumer()
        defer {
            first.signal(SIGKILL)
            second.signal(SIGKILL)
        }
        let port = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(port)", "--host", "127.0.0.1"],
            environment: ["DATABASE_URL": url])
        defer { api.signal(SIGTERM) }

        let started = await eventuallyAsync(timeout: 60) {
            ((await HTTP.counts(port: port))?.values.reduce(0, +) ?? 0) > 0
        }
        XCTAssertTrue(started, "nothing was counted:\n\(first.output.suffix(2_000))\n\(api.output.suffix(1_000))")
        second.signal(SIGKILL)
        _ = second.wait(timeout: 10)
        try PythonProducer.produce(batch(3_000, offset: 3), topic: topic, broker: broker)
        second = try startConsumer()

        let total = expected.values.reduce(0, +)
        let complete = await eventuallyAsync(timeout: 120) {
            (await HTTP.counts(port: port))?.values.reduce(0, +) == total
        }
        let served = await HTTP.counts(port: port)
        XCTAssertTrue(
            complete,
            "counts never reached \(total): \(served ?? [:])\n\(first.output.suffix(2_000))\n\(second.output.suffix(2_000))"
        )
        // Exactly: nothing counted twice after the kill, nothing lost, spellings folded by the category rule.
        XCTAssertEqual(served, expected.reduce(into: [:]) { $0[$1.key] = $1.value })
        let stored = try await PostgresCountReader(location: database.location).counts()
        XCTAssertEqual(stored, expected.reduce(into: [:]) { $0[$1.key] = Int64($1.value) })

        first.signal(SIGTERM)
        XCTAssertEqual(
            first.wait(timeout: 20), 0, "SIGTERM must end the consumer cleanly:\n\(first.output.suffix(2_000))")
    }

    func testAConsumerWithAnUnusablePostgreSQLURLStopsWithOneLine() throws {
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: ["DATABASE_URL": "postgres://127.0.0.1:5432/counts", "KAFKA_BROKER": "127.0.0.1:9"])
        XCTAssertEqual(consumer.wait(timeout: 20), 2)
        let output = consumer.output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(output.split(separator: "\n").count, 1, output)
        XCTAssertTrue(output.contains("DATABASE_URL") && output.contains("no user"), output)
        XCTAssertFalse(output.contains("127.0.0.1:5432"), "DATABASE_URL is a secret and is never repeated: \(output)")
    }

    func testTheAPIReadingPostgreSQLAnswers304UntilTheCountsChange() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        defer { store.close() }
        let p0 = SourcePartition(topic: "etag", partition: 0)
        try store.commit(CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: nil, next: 2)], eventCount: 2))
        let location = database.location
        let port = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(port)", "--host", "127.0.0.1"],
            environment: [
                "DATABASE_URL": "postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)"
            ])
        defer { api.signal(SIGTERM) }
        let url = "http://127.0.0.1:\(port)/aggregated"
        XCTAssertTrue(
            eventually(timeout: 30) { (try? HTTP.curl(url))?.status == 200 }, api.output.suffix(2_000).description)

        let first = try HTTP.curl(url)
        let tag = try XCTUnwrap(first.headers["etag"], "\(first.headers)")
        let unchanged = try HTTP.curl(url, headers: ["If-None-Match": tag])
        XCTAssertEqual(unchanged.status, 304)
        XCTAssertEqual(unchanged.body, "")

        try store.commit(CountBatch(deltas: ["taco": 1], offsets: [p0: .init(expected: 2, next: 3)], eventCount: 1))
        let changed = try HTTP.curl(url, headers: ["If-None-Match": tag])
        XCTAssertEqual(changed.status, 200, "the counts changed")
        XCTAssertNotEqual(changed.headers["etag"], tag)
        XCTAssertTrue(changed.body.contains("taco"), changed.body)
    }

    func testAnOperatorCommandOnAnUnreachablePostgreSQLDatabaseFailsInOneLineWithoutThePassword() throws {
        for command in [["audit"], ["offsets", "show"]] {
            let process = try ChildProcess(
                TestEnvironment.executable("foodcount"), command,
                environment: ["DATABASE_URL": "postgres://counter:secret@127.0.0.1:1/counts"])
            XCTAssertEqual(process.wait(timeout: 60), 69, "\(command): an outage is EX_UNAVAILABLE, not a setting")
            let output = process.output.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(output.split(separator: "\n").count, 1, output)
            XCTAssertTrue(output.contains("postgres://counter@127.0.0.1:1/counts"), output)
            XCTAssertFalse(output.contains("secret"), output)
        }
    }
}
