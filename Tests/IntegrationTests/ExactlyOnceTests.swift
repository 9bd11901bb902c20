import Foundation
import TestSupport
import XCTest

/// Exactly-once counting through crashes, graceful stops and rebalances, with real processes.
final class ExactlyOnceTests: XCTestCase {
    func testCountsAreExactAfterRepeatedSIGKILLs() throws {
        var harness = try ConsumerHarness(prefix: "crash", partitions: 4)
        // Small batches: many commits, so that kills land in and around them.
        harness.extraEnvironment = ["BATCH_SIZE": "50", "BATCH_DELAY_MS": "20"]
        // A backlog long enough for six kills at the consumer's speed (hundreds of thousands of events/s even
        // in a debug build). The datafeed cycles through its 50 foods: a known distribution.
        let total = 500_000
        let feed = try ChildProcess(
            TestEnvironment.executable("datafeed"), ["--rate", "100000000", "--count", "\(total)"],
            environment: ["KAFKA_BROKER": harness.broker, "KAFKA_TOPIC": harness.topic])
        XCTAssertEqual(feed.wait(timeout: 120), 0, feed.output.suffix(1_000).description)

        // Kill moments: a random 20 to 150 ms after the consumer started its partitions, while it works
        // through the backlog, so that every kill lands mid-stream, in and around commits. (Kill points by
        // stored offsets stopped working once commits ran back to back: a reader of the offsets waits for
        // them, and the consumer went far past the point before the reader saw it.)
        var kills = 0
        while kills < 6, try harness.processed() < total * 90 / 100 {
            let consumer = try harness.start()
            let started = eventually(timeout: 60, interval: 0.01) {
                consumer.output.contains("offsets=[\"") || !consumer.isRunning  // a non-empty assignment
            }
            XCTAssertTrue(started)
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.15))
            XCTAssertTrue(consumer.isRunning, "consumer died by itself:\n\(consumer.output.suffix(2_000))")
            consumer.signal(SIGKILL)
            _ = consumer.wait(timeout: 10)
            kills += 1
        }
        XCTAssertGreaterThanOrEqual(kills, 5)
        XCTAssertLessThan(try harness.processed(), total, "the kills landed before the stream was done")

        let last = try harness.start()
        let caughtUp = try harness.waitUntilProcessed(total, timeout: 120)
        XCTAssertTrue(eventually(timeout: 30) { last.output.contains("partitions assigned") })
        last.signal(SIGTERM)
        XCTAssertEqual(last.wait(timeout: 20), 0, last.output.suffix(2_000).description)

        let processed = try harness.processed()
        XCTAssertTrue(caughtUp, "stored offsets reached \(processed) of \(total)")
        let counts = try SQLiteInspector.counts(harness.database)
        XCTAssertEqual(counts.count, 50)
        XCTAssertEqual(Set(counts.values), [total / 50], "every food counted exactly \(total / 50) times: \(counts)")
    }

    func testSIGTERMWhileEventsFlowExitsCleanlyAndARestartCountsNothingTwice() throws {
        var harness = try ConsumerHarness(prefix: "term", partitions: 3)
        harness.extraEnvironment = ["BATCH_SIZE": "500", "BATCH_DELAY_MS": "50", "SHUTDOWN_TIMEOUT_SECONDS": "10"]
        let total = 40_000
        let expected = try harness.produceKnownDistribution(total)

        let first = try harness.start()
        XCTAssertTrue(
            try eventually(timeout: 30) { try harness.processed() > 0 }, first.output.suffix(2_000).description)
        let stopping = Date()
        first.signal(SIGTERM)
        let status = first.wait(timeout: 15)
        let took = Date().timeIntervalSince(stopping)

        XCTAssertEqual(status, 0, first.output.suffix(2_000).description)
        XCTAssertLessThan(took, 10, "shutdown must finish within its 10 s deadline")
        XCTAssertTrue(first.output.contains("consumer left the group"), first.output.suffix(2_000).description)
        let processedAtStop = try harness.processed()
        XCTAssertEqual(try SQLiteInspector.total(harness.database), processedAtStop, "counts and offsets agree at stop")

        let second = try harness.start()
        XCTAssertTrue(try harness.waitUntilProcessed(total, timeout: 90))
        XCTAssertTrue(eventually(timeout: 30) { second.output.contains("partitions assigned") })
        second.signal(SIGTERM)
        XCTAssertEqual(second.wait(timeout: 15), 0)
        XCTAssertEqual(try SQLiteInspector.counts(harness.database), expected)
    }

    func testThreeMembersJoiningAndLeavingWhileEventsFlowCountExactly() throws {
        var harness = try ConsumerHarness(prefix: "rebalance", partitions: 6)
        harness.extraEnvironment = ["BATCH_SIZE": "300", "BATCH_DELAY_MS": "50"]
        let perPhase = 6_000  // a multiple of 50: the datafeed cycles through its 50 foods from the first
        var produced = 0
        var members = [try harness.start()]
        defer { members.forEach { $0.signal(SIGKILL) } }

        // Each phase: the datafeed runs, the membership changes while it does, the traffic stops, and then
        // the counts must be exactly what was produced so far before the next phase.
        let changes: [(String, () throws -> Void)] = [
            ("the first member starts", {}),
            ("a second member joins", { members.append(try harness.start()) }),
            ("a third member joins", { members.append(try harness.start()) }),
            (
                "the second member leaves cleanly",
                {
                    XCTAssertEqual(harness.stop(members[1]), 0, members[1].output.suffix(2_000).description)
                }
            ),
            (
                "the third member crashes and a fourth joins",
                {
                    members[2].signal(SIGKILL)  // its partitions move after the session timeout
                    _ = members[2].wait(timeout: 10)
                    members.append(try harness.start())
                }
            ),
        ]
        for (phase, change) in changes {
            let feed = try harness.startDatafeed(count: perPhase, rate: 2_000)
            Thread.sleep(forTimeInterval: 1)
            try change()
            XCTAssertEqual(feed.wait(timeout: 60), 0, feed.output.suffix(1_000).description)
            produced += perPhase

            let exact = try eventually(timeout: 90, interval: 0.25) {
                try harness.processed() == produced && ConsumerHarness.isUniform(try harness.counts(), total: produced)
            }
            let processed = try harness.processed()
            let counts = try harness.counts()
            XCTAssertTrue(exact, "after \(phase): \(processed) of \(produced) processed, counts \(counts)")
        }
        XCTAssertEqual(produced, 30_000)
        for member in [members[0], members[3]] {
            XCTAssertEqual(harness.stop(member), 0, member.output.suffix(2_000).description)
        }
        let counts = try harness.counts()
        XCTAssertTrue(ConsumerHarness.isUniform(counts, total: produced), "\(counts)")
    }
}
