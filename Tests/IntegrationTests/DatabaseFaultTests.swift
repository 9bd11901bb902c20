import Foundation
import TestSupport
import XCTest

/// The consumer waits out a locked or unwritable database: only bad events dead-lettered, nothing lost.
final class DatabaseFaultTests: XCTestCase {
    /// Produces `count` known events (10 foods) with `bad` invalid ones ("not json", each tagged by a
    /// `bad-id` header) spread through them; returns the distribution of the valid ones.
    private func produceWithBadEvents(
        _ harness: ConsumerHarness, count: Int, bad: Range<Int>
    ) throws -> [String: Int] {
        var expected: [String: Int] = [:]
        var messages: [PythonProducer.Message] = []
        let spacing = count / max(1, bad.count)
        for index in 0..<count {
            let food = "food\(index % 10)"
            expected[food, default: 0] += 1
            messages.append(.text(#"{"food": "\#(food)"}"#))
            if index % spacing == spacing / 2, bad.lowerBound + index / spacing < bad.upperBound {
                let id = bad.lowerBound + index / spacing
                messages.append(.text("not json \(id)").withHeaders(["bad-id": "\(id)"]))
            }
        }
        try PythonProducer.produce(messages, topic: harness.topic, broker: harness.broker)
        return expected
    }

    func testAWriteLockHeldForTenSecondsIsWaitedOutWithoutLossOrSpuriousDeadLetters() throws {
        var harness = try ConsumerHarness(prefix: "locked", partitions: 2)
        let dlq = harness.topic + ".dlq"  // created by the harness
        harness.extraEnvironment = ["DLQ_TOPIC": dlq, "BATCH_DELAY_MS": "50"]
        let first = try produceWithBadEvents(harness, count: 2_000, bad: 0..<2)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(try harness.waitUntilProcessed(2_002), consumer.output.suffix(2_000).description)

        // Another process takes the write lock and holds it for 10 s while more events, bad ones among them,
        // arrive: their dead letters and their counts wait for the same commit.
        let locker = try ChildProcess(
            TestEnvironment.python,
            [
                "-c",
                """
                import sqlite3, sys, time
                db = sqlite3.connect(sys.argv[1], isolation_level=None)
                db.execute("BEGIN IMMEDIATE")
                print("locked", flush=True)
                time.sleep(10)
                db.execute("ROLLBACK")
                """,
                harness.database,
            ])
        XCTAssertTrue(eventually(timeout: 10) { locker.output.contains("locked") }, locker.output)
        let second = try produceWithBadEvents(harness, count: 2_000, bad: 2..<5)
        Thread.sleep(forTimeInterval: 3)
        XCTAssertEqual(try harness.processed(), 2_002, "no offset advances while the database is locked")

        XCTAssertEqual(locker.wait(timeout: 20), 0, locker.output)
        XCTAssertTrue(try harness.waitUntilProcessed(4_005), consumer.output.suffix(2_000).description)
        XCTAssertTrue(consumer.isRunning)
        XCTAssertEqual(try SQLiteInspector.counts(harness.database), first.merging(second, uniquingKeysWith: +))
        XCTAssertTrue(consumer.output.contains("commit attempt failed"), "the wait must be visible in the log")

        let letters = try PythonConsumer.readAll(topic: dlq, broker: harness.broker, idle: 4)
        XCTAssertEqual(letters.count, 5, "exactly the five bad events are dead-lettered, once each")
        XCTAssertEqual(Set(letters.compactMap { $0.headers["bad-id"] }), ["0", "1", "2", "3", "4"])
        for letter in letters {
            XCTAssertEqual(letter.headers["foodcount.error.kind"], "not_json", "\(letter.headers)")
            let id = letter.headers["bad-id"] ?? "?"
            XCTAssertEqual(letter.value, Array("not json \(id)".utf8), "the bad event's own value, not a good one")
        }
    }

    func testUnwritableDatabaseStopsOffsetsReportsNotReadyAndResumesWhenWritable() throws {
        var harness = try ConsumerHarness(prefix: "readonly", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50", "RETRY_BUDGET_MS": "1500"]
        let first = try harness.produceKnownDistribution(1_000, foods: 10)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(
            try harness.waitUntilProcessed(1_000), consumer.output.suffix(2_000).description)

        // An immutable folder: SQLite cannot create its rollback journal, so no write transaction can commit.
        let folder = harness.directory.path
        let lock = try ChildProcess.run("/usr/bin/chattr", ["+i", folder])
        XCTAssertEqual(lock.status, 0, "chattr +i failed: \(lock.output)")
        defer { _ = try? ChildProcess.run("/usr/bin/chattr", ["-i", folder]) }
        let second = try harness.produceKnownDistribution(1_000, foods: 10)
        XCTAssertTrue(
            eventually(timeout: 30) { consumer.output.contains("reporting not ready") },
            "past the retry budget the consumer must report not ready:\n\(consumer.output.suffix(3_000))")
        XCTAssertEqual(try harness.processed(), 1_000, "no offset advances while the database cannot be written")

        XCTAssertEqual(try ChildProcess.run("/usr/bin/chattr", ["-i", folder]).status, 0)
        XCTAssertTrue(
            try harness.waitUntilProcessed(2_000), consumer.output.suffix(3_000).description)
        XCTAssertTrue(consumer.output.contains("consumption resumed"), consumer.output.suffix(2_000).description)
        XCTAssertEqual(try SQLiteInspector.counts(harness.database), first.merging(second, uniquingKeysWith: +))
    }
}
