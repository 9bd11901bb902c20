import Foundation
import TestSupport
import XCTest

/// The consumer waits out a locked or unwritable database: nothing dead-lettered, nothing lost.
final class DatabaseFaultTests: XCTestCase {
    func testAWriteLockHeldForTenSecondsIsWaitedOutWithoutDeadLettersOrLoss() throws {
        var harness = try ConsumerHarness(prefix: "locked", partitions: 2)
        let dlq = harness.topic + ".dlq"
        harness.extraEnvironment = ["DLQ_TOPIC": dlq, "BATCH_DELAY_MS": "50"]
        let first = try harness.produceKnownDistribution(2_000, foods: 10)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(
            try harness.waitUntilProcessed(2_000), consumer.output.suffix(2_000).description)

        // Another process takes the write lock and holds it for 10 s while more events arrive.
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
        let second = try harness.produceKnownDistribution(2_000, foods: 10)
        Thread.sleep(forTimeInterval: 3)
        XCTAssertEqual(try harness.processed(), 2_000, "no offset advances while the database is locked")

        XCTAssertEqual(locker.wait(timeout: 20), 0, locker.output)
        XCTAssertTrue(
            try harness.waitUntilProcessed(4_000), consumer.output.suffix(2_000).description)
        XCTAssertTrue(consumer.isRunning)
        XCTAssertEqual(try SQLiteInspector.counts(harness.database), first.merging(second, uniquingKeysWith: +))
        XCTAssertTrue(consumer.output.contains("commit attempt failed"), "the wait must be visible in the log")
        XCTAssertEqual(try PythonConsumer.readAll(topic: dlq, broker: harness.broker, idle: 4).count, 0)
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
