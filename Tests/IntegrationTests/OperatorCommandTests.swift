import Foundation
import TestSupport
import XCTest

/// `foodcount`: offsets shown and moved, counts audited against the log and rebuilt from it, with the real
/// consumer, the embedded broker and real files.
final class OperatorCommandTests: XCTestCase {
    private func foodcount(_ harness: ConsumerHarness, _ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(
            TestEnvironment.executable("foodcount"), arguments,
            environment: [
                "KAFKA_BROKER": harness.broker, "KAFKA_TOPIC": harness.topic, "CONSUMER_GROUP": harness.group,
                "DATABASE_PATH": harness.database,
            ], timeout: 120)
    }

    /// A harness whose consumer counted `count` events over two partitions, then stopped.
    private func counted(_ prefix: String, _ count: Int) throws -> (ConsumerHarness, [String: Int]) {
        var harness = try ConsumerHarness(prefix: prefix, partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        let expected = try harness.produceKnownDistribution(count, foods: 7, partitions: 2)
        let consumer = try harness.start()
        XCTAssertTrue(try harness.waitUntilProcessed(count), consumer.output.suffix(2_000).description)
        XCTAssertEqual(harness.stop(consumer), 0)
        return (harness, expected)
    }

    func testOffsetsShowGivesStoredOffsetsLogEndsAndLag() throws {
        let (harness, _) = try counted("show", 400)
        _ = try harness.produceKnownDistribution(50, foods: 7, partitions: 2)
        let table = try foodcount(harness, ["offsets", "show"])
        XCTAssertEqual(table.status, 0, table.output)
        XCTAssertTrue(table.output.contains("PARTITION") && table.output.contains("LAG"), table.output)
        let json = try foodcount(harness, ["offsets", "show", "--json"])
        XCTAssertEqual(json.status, 0, json.output)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.compactMap { $0["stored"] as? Int }.reduce(0, +), 400)
        XCTAssertEqual(rows.compactMap { $0["logEnd"] as? Int }.reduce(0, +), 450)
        XCTAssertEqual(rows.compactMap { $0["lag"] as? Int }.reduce(0, +), 50)
        XCTAssertEqual(rows.compactMap { $0["logStart"] as? Int }, [0, 0])
    }

    func testAuditSaysEqualAfterACrashHeavyRunAndFindsACountEditedByHand() throws {
        var harness = try ConsumerHarness(prefix: "audit", partitions: 3)
        harness.extraEnvironment = ["BATCH_SIZE": "50", "BATCH_DELAY_MS": "5"]
        let total = 60_000
        let feed = try harness.startDatafeed(count: total, rate: 100_000_000)
        XCTAssertEqual(feed.wait(timeout: 120), 0, feed.output.suffix(1_000).description)
        for _ in 0..<4 {
            let consumer = try harness.start()
            XCTAssertTrue(eventually(timeout: 60, interval: 0.01) { consumer.output.contains("offsets=[\"") })
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.3))
            consumer.signal(SIGKILL)
            _ = consumer.wait(timeout: 10)
        }
        let last = try harness.start()
        XCTAssertTrue(try harness.waitUntilProcessed(total, timeout: 120))
        // Audited while the consumer runs: one short read of the files, the rest against the log.
        let equal = try foodcount(harness, ["audit"])
        XCTAssertEqual(equal.status, 0, equal.output)
        XCTAssertTrue(equal.output.contains("audit: equal"), equal.output)
        XCTAssertTrue(last.isRunning, "the audit does not disturb the consumer")
        XCTAssertEqual(harness.stop(last), 0)

        let food = try XCTUnwrap(try harness.counts().keys.sorted().first)
        _ = try SQLiteInspector.query(
            harness.database, "UPDATE food_counts SET count = count + 7 WHERE category = '\(food)'")
        let different = try foodcount(harness, ["audit"])
        XCTAssertEqual(different.status, 1, different.output)
        let row = try XCTUnwrap(different.output.split(separator: "\n").first { $0.hasPrefix(food + " ") })
        XCTAssertTrue(row.hasSuffix(" 7"), "the table shows the category and its difference: \(row)")
        XCTAssertTrue(different.output.contains("audit: different: 1 categories differ"), different.output)
    }

    func testAuditNamesThePartitionWhoseStoredOffsetWasMovedBackWithItsCountedTotal() throws {
        let (harness, _) = try counted("moved", 400)
        let equal = try foodcount(harness, ["audit"])
        XCTAssertEqual(equal.status, 0, equal.output)
        XCTAssertFalse(equal.output.contains("partition 0:"), "equal totals add no line: \(equal.output)")
        let stored = try SQLiteInspector.query(
            harness.consumerDatabase, "SELECT next_offset, counted FROM consumer_offsets WHERE partition = 0")
        XCTAssertEqual(stored.count, 1)
        let (next, total) = try XCTUnwrap(
            stored.first.flatMap { row -> (Int, Int)? in
                let fields = row.split(separator: "|").compactMap { Int($0) }
                return fields.count == 2 ? (fields[0], fields[1]) : nil
            }, "\(stored)")
        XCTAssertEqual(next, total, "every produced event is valid: the total is the offset")
        XCTAssertGreaterThan(next, 100)

        // Behind the pipeline's back: partition 0's stored offset goes back 100 records, its total stays.
        _ = try SQLiteInspector.query(
            harness.consumerDatabase,
            "UPDATE consumer_offsets SET next_offset = next_offset - 100 WHERE partition = 0")
        let moved = try foodcount(harness, ["audit"])
        XCTAssertEqual(moved.status, 1, moved.output)
        XCTAssertTrue(
            moved.output.contains(
                "partition 0: offset \(next - 100) but \(total) counted (the log holds \(next - 100) valid events before offset \(next - 100))"
            ), moved.output)
        XCTAssertFalse(moved.output.contains("partition 1:"), "partition 1 agrees: \(moved.output)")
        XCTAssertTrue(moved.output.contains("1 partitions' counted totals differ"), moved.output)
    }

    func testRebuildRecountsFromTheLogWhileTheAPIAnswersAndIsTheWayOutOfARefusal() async throws {
        let (harness, expected) = try counted("rebuild", 700)
        let api = try APIServer(existingDatabase: harness.database)
        defer { api.stop() }
        // The offsets file is lost: the consumer refuses to start (its counts would be counted again).
        try FileManager.default.removeItem(atPath: harness.consumerDatabase)
        let refused = try harness.start()
        XCTAssertEqual(refused.wait(timeout: 20), 2, refused.output)

        let rebuilt = try foodcount(harness, ["rebuild", "--execute"])
        XCTAssertEqual(rebuilt.status, 0, rebuilt.output)
        XCTAssertTrue(rebuilt.output.contains("the counts now hold 700 events"), rebuilt.output)
        XCTAssertEqual(try harness.counts(), expected, "exactly the log: nothing counted twice")
        let served = await eventuallyAsync(timeout: 5) { await HTTP.counts(port: api.port) == expected }
        XCTAssertTrue(served, "the API serves the rebuilt file")

        let more = try harness.produceKnownDistribution(70, foods: 7, partitions: 2)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(try harness.waitUntilProcessed(770), consumer.output.suffix(2_000).description)
        XCTAssertEqual(try harness.counts(), expected.merging(more, uniquingKeysWith: +))
        let whileRunning = try foodcount(harness, ["rebuild", "--execute"])
        XCTAssertEqual(whileRunning.status, 2, whileRunning.output)
        XCTAssertTrue(whileRunning.output.contains("refusing"), whileRunning.output)
        XCTAssertEqual(harness.stop(consumer), 0)
    }

    func testOffsetsResetRebuildsTheCountsUpToTheNewOffsets() throws {
        let (harness, expected) = try counted("reset", 500)
        let earliest = try foodcount(harness, ["offsets", "reset", "--to", "earliest", "--execute"])
        XCTAssertEqual(earliest.status, 0, earliest.output)
        XCTAssertEqual(try harness.counts(), [:], "no event before the log's start")
        XCTAssertEqual(try harness.processed(), 0)

        // --rebuild, which a reset needed before 0.3, is still accepted and does nothing.
        let explicit = try foodcount(harness, ["offsets", "reset", "--to", "0=10,1=20", "--rebuild", "--execute"])
        XCTAssertEqual(explicit.status, 0, explicit.output)
        XCTAssertEqual(try harness.processed(), 30)
        XCTAssertEqual(
            try harness.counts().values.reduce(0, +), 30, "the counts hold exactly the 30 events before them")

        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(try harness.waitUntilProcessed(500), consumer.output.suffix(2_000).description)
        XCTAssertEqual(try harness.counts(), expected, "the consumer counts on from the new offsets, exactly")
        XCTAssertEqual(harness.stop(consumer), 0)
    }
}
