import Foundation
import PostgresStore
import TestSupport
import XCTest

/// `foodcount` on PostgreSQL, with the real binaries, the embedded broker and a real server: the counts move
/// from SQLite to PostgreSQL by a rebuild from the log, the consumer counts on from the rebuilt offsets, and
/// audit, offsets and reset work as they do on SQLite.
final class PostgresOperatorCommandTests: XCTestCase {
    private var broker = ""
    private var topic = ""
    private var group = ""
    private var url = ""
    private var folder = URL(fileURLWithPath: "/")
    private var database: PostgresTestDatabase?

    override func setUpWithError() throws {
        let database = try PostgresTestDatabase()
        self.database = database
        let location = database.location
        url = "postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)"
        broker = try TestEnvironment.broker
        topic = TestEnvironment.uniqueTopic("pg-ops")
        group = "group-\(topic)"
        folder = try TestEnvironment.temporaryDirectory("pg-ops")
        try TestEnvironment.createTopic(topic, partitions: 2)
    }

    override func tearDown() {
        try? database?.drop()
        try? FileManager.default.removeItem(at: folder)
    }

    private var sqlitePath: String { folder.appendingPathComponent("foodcount.db").path }

    private var environment: [String: String] {
        ["KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": group, "BATCH_DELAY_MS": "50"]
    }

    private func foodcount(_ arguments: [String], database: String) throws -> ChildProcess.Result {
        try ChildProcess.run(
            TestEnvironment.executable("foodcount"), arguments + ["--database", database], environment: environment,
            timeout: 120)
    }

    private func consumer(database: String) throws -> ChildProcess {
        try ChildProcess(
            TestEnvironment.executable("consumer"), ["--database", database],
            environment: environment.merging(
                ["METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1"], uniquingKeysWith: { $1 }))
    }

    private func produce(_ count: Int, into expected: inout [String: Int64]) throws {
        let foods = ["soup", "taco", "pizza", "café", "ramen"]
        let messages = (0..<count).map { index in
            let food = foods[index % foods.count]
            expected[food, default: 0] += 1
            return PythonProducer.Message.text(#"{"food": "\#(food)"}"#, partition: index % 2)
        }
        try PythonProducer.produce(messages, topic: topic, broker: broker)
    }

    private func postgresCounts() async throws -> [String: Int64] {
        try await PostgresCountReader(location: try XCTUnwrap(database).location).counts()
    }

    func testRebuildMovesTheCountsFromSQLiteToPostgreSQLAndTheConsumerCountsOnExactly() async throws {
        var expected: [String: Int64] = [:]
        try produce(600, into: &expected)
        let onSQLite = try consumer(database: sqlitePath)
        XCTAssertTrue(
            eventually(timeout: 60) { (try? SQLiteInspector.total(self.sqlitePath)) == 600 },
            onSQLite.output.suffix(2_000).description)
        XCTAssertEqual(onSQLite.stopGracefully(), 0)

        let rebuilt = try foodcount(["rebuild", "--execute"], database: url)
        XCTAssertEqual(rebuilt.status, 0, rebuilt.output)
        XCTAssertTrue(rebuilt.output.contains("the counts now hold 600 events"), rebuilt.output)
        let migrated = try await postgresCounts()
        XCTAssertEqual(migrated, expected)
        XCTAssertEqual(
            migrated, try SQLiteInspector.counts(sqlitePath).mapValues(Int64.init), "the same counts as SQLite's")
        let audit = try foodcount(["audit"], database: url)
        XCTAssertEqual(audit.status, 0, audit.output)
        XCTAssertTrue(audit.output.contains("audit: equal: the counts hold 600 events"), audit.output)

        try produce(90, into: &expected)
        let onPostgres = try consumer(database: url)
        defer { onPostgres.signal(SIGKILL) }
        let caughtUp = await eventuallyAsync(timeout: 60) { (try? await self.postgresCounts()) == expected }
        let counts = try await postgresCounts()
        XCTAssertTrue(caughtUp, "counts: \(counts)\n\(onPostgres.output.suffix(2_000))")

        let shown = try foodcount(["offsets", "show", "--json"], database: url)
        XCTAssertEqual(shown.status, 0, shown.output)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.compactMap { $0["stored"] as? Int }.reduce(0, +), 690)
        XCTAssertEqual(rows.compactMap { $0["lag"] as? Int }.reduce(0, +), 0)

        let whileRunning = try foodcount(["rebuild", "--execute"], database: url)
        XCTAssertEqual(whileRunning.status, 2, whileRunning.output)
        XCTAssertTrue(whileRunning.output.contains("refusing"), whileRunning.output)
        XCTAssertEqual(onPostgres.stopGracefully(), 0)
        let afterRefusal = try await postgresCounts()
        XCTAssertEqual(afterRefusal, expected, "a refused rebuild changes nothing")
    }

    func testAuditFindsACountEditedByHandAndAResetRebuildsUpToTheNewOffsets() async throws {
        var expected: [String: Int64] = [:]
        try produce(300, into: &expected)
        let onPostgres = try consumer(database: url)
        let counted = await eventuallyAsync(timeout: 60) { (try? await self.postgresCounts()) == expected }
        XCTAssertTrue(counted, onPostgres.output.suffix(2_000).description)
        XCTAssertEqual(onPostgres.stopGracefully(), 0)

        try XCTUnwrap(database).execute("UPDATE food_counts SET count = count + 7 WHERE category = 'taco'")
        let different = try foodcount(["audit"], database: url)
        XCTAssertEqual(different.status, 1, different.output)
        let row = try XCTUnwrap(different.output.split(separator: "\n").first { $0.hasPrefix("taco ") })
        XCTAssertTrue(row.hasSuffix(" 7"), row.description)

        let reset = try foodcount(["offsets", "reset", "--to", "0=10,1=20", "--execute"], database: url)
        XCTAssertEqual(reset.status, 0, reset.output)
        let afterReset = try await postgresCounts()
        XCTAssertEqual(afterReset.values.reduce(0, +), 30, "exactly the 30 events before the new offsets")
        let equal = try foodcount(["audit"], database: url)
        XCTAssertEqual(equal.status, 0, equal.output)

        let again = try consumer(database: url)
        defer { again.signal(SIGKILL) }
        let recounted = await eventuallyAsync(timeout: 60) { (try? await self.postgresCounts()) == expected }
        let counts = try await postgresCounts()
        XCTAssertTrue(recounted, "counts: \(counts)\n\(again.output.suffix(2_000))")
        XCTAssertEqual(again.stopGracefully(), 0)
    }
}

extension ChildProcess {
    /// Sends SIGTERM and waits for the exit status.
    fileprivate func stopGracefully() -> Int32? {
        signal(SIGTERM)
        return wait(timeout: 30)
    }
}
