import Foundation
import TestSupport
import XCTest

/// A member whose commit is fenced (a partition's stored offset moved behind its back) follows the stored
/// offset and keeps counting the partitions it still owns: it neither stalls nor counts anything twice.
final class FencedMemberTests: XCTestCase {
    func testAStoredOffsetBumpedBehindTheConsumersBackIsFollowed() throws {
        var harness = try ConsumerHarness(prefix: "fenced-bump", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        var expected = try harness.produceKnownDistribution(1_000, foods: 10, partitions: 2)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        var counts = try harness.waitForExactCounts(expected, processed: 1_000)
        XCTAssertEqual(counts, expected, consumer.output.suffix(2_000).description)
        let before = try storedOffsets(harness)
        XCTAssertEqual(before, [0: 500, 1: 500])

        // Behind the running consumer's back, partition 0's stored offset moves on by `skipped`: the next
        // `skipped` events of partition 0 count as done. Then they arrive, and after them `after` more.
        let skipped = 100
        let after = 300
        _ = try SQLiteInspector.query(
            harness.consumerDatabase,
            """
            UPDATE consumer_offsets SET next_offset = next_offset + \(skipped)
            WHERE consumer_group = '\(harness.group)' AND topic = '\(harness.topic)' AND partition = 0
            """)
        let foods = Array(repeating: "skipped", count: skipped) + (0..<after).map { "after\($0 % 5)" }
        _ = try harness.produce(foods, partition: { _ in 0 })
        expected.merge(
            try harness.produce((0..<200).map { "other\($0 % 4)" }, partition: { _ in 1 }), uniquingKeysWith: +)
        for index in 0..<5 { expected["after\(index)"] = after / 5 }

        let total = 1_000 + skipped + after + 200
        counts = try harness.waitForExactCounts(expected, processed: total, timeout: 30)
        let offsets = try storedOffsets(harness)
        XCTAssertNil(counts["skipped"], "the events behind the moved offset must not be counted")
        XCTAssertEqual(
            counts, expected,
            "the \(after) events after the moved offset must be counted:\n\(consumer.output.suffix(3_000))")
        XCTAssertEqual(offsets, [0: 500 + skipped + after, 1: 700], "every stored offset reaches its log end")
        XCTAssertTrue(consumer.isRunning, consumer.output.suffix(2_000).description)
    }

    func testMembersFrozenPastTheirSessionTimeoutCountExactlyAndCatchUp() throws {
        var harness = try ConsumerHarness(prefix: "fenced-frozen", partitions: 4)
        // Small batches: commits all the time, so that a member can be frozen inside one.
        harness.extraEnvironment = ["SESSION_TIMEOUT_MS": "3000", "BATCH_SIZE": "100", "BATCH_DELAY_MS": "20"]
        let members = [try harness.start(), try harness.start()]
        defer { members.forEach { $0.signal(SIGCONT) } }
        defer { members.forEach { $0.signal(SIGKILL) } }
        XCTAssertTrue(
            eventually(timeout: 60) { members.allSatisfy { assignments($0) > 0 } },
            "both members must own partitions before the freezes")
        let total = 80_000  // 80 s at 1,000 events/s, longer than the freezes; a multiple of 50
        let feed = try harness.startDatafeed(count: total, rate: 1_000)
        defer { feed.signal(SIGKILL) }

        // Each member frozen twice, inside a write transaction, for at least 6 s (twice its session timeout) and
        // until the other member took its partitions at the offsets stored so far; then the frozen one wakes,
        // commits the batch it was writing, and the other member's next commit of those partitions is fenced.
        var caughtInside = 0
        for round in 0..<4 {
            let (frozen, other) = (members[round % 2], members[1 - round % 2])
            let (frozenBefore, otherBefore) = (assignments(frozen), assignments(other))
            Thread.sleep(forTimeInterval: 1)
            if try freezeInsideAWriteTransaction(frozen, database: harness.database) { caughtInside += 1 }
            Thread.sleep(forTimeInterval: 6)
            let tookOver = eventually(timeout: 20) { assignments(other) > otherBefore }
            frozen.signal(SIGCONT)
            XCTAssertTrue(tookOver, "round \(round): the other member never took the frozen one's partitions")
            XCTAssertTrue(eventually(timeout: 30) { assignments(frozen) > frozenBefore }, "round \(round): no rejoin")
        }
        // Last, a member frozen the same way wakes only to be stopped: it commits the batch it was writing
        // and leaves, and no rebalance follows (its session is long gone), so only following the stored
        // offset gets the survivor past its fenced commit.
        let survivorBefore = assignments(members[1])
        Thread.sleep(forTimeInterval: 1)
        if try freezeInsideAWriteTransaction(members[0], database: harness.database) { caughtInside += 1 }
        let tookOver = eventually(timeout: 20) { assignments(members[1]) > survivorBefore }
        Thread.sleep(forTimeInterval: 1)
        members[0].signal(SIGCONT)
        XCTAssertTrue(tookOver, "the survivor never took the frozen member's partitions")
        XCTAssertEqual(harness.stop(members[0]), 0, members[0].output.suffix(2_000).description)
        XCTAssertEqual(feed.wait(timeout: 90), 0, feed.output.suffix(1_000).description)

        let caughtUp = try eventually(timeout: 60, interval: 0.25) { try harness.processed() == total }
        let processed = try harness.processed()
        let counts = try harness.counts()
        XCTAssertGreaterThan(caughtInside, 0, "no freeze landed inside a write transaction")
        XCTAssertTrue(
            caughtUp,
            "stored offsets reached \(processed) of \(total) (lag \(total - processed)):\n"
                + members.map { $0.output.suffix(1_500) }.joined(separator: "\n---\n"))
        XCTAssertTrue(ConsumerHarness.isUniform(counts, total: total), "every food \(total / 50) times: \(counts)")
        XCTAssertTrue(members[1].isRunning, members[1].output.suffix(2_000).description)
    }

    /// How many non-empty assignments a consumer's log shows so far.
    private func assignments(_ consumer: ChildProcess) -> Int {
        consumer.output.components(separatedBy: "offsets=[\"").count - 1
    }

    /// Freezes a process (SIGSTOP) while `/proc/locks` shows it holding SQLite's RESERVED lock on `database`
    /// and nothing more: inside a write transaction, before the commit's exclusive phase, so that others can
    /// still read the stored offsets. A freeze that missed (checked once the process stands still) is undone
    /// and tried again; after 10 s it is frozen anyway. Returns whether it was caught inside a transaction.
    private func freezeInsideAWriteTransaction(_ process: ChildProcess, database: String) throws -> Bool {
        let inode = try FileManager.default.attributesOfItem(atPath: database)[.systemFileNumber] as? NSNumber
        // PENDING_BYTE + 1 alone, write-locked: RESERVED without PENDING (adjacent locks would merge).
        let reserved = ":\(inode?.intValue ?? -1) 1073741825 1073741825"
        func holdsReservedOnly() throws -> Bool {
            try String(contentsOfFile: "/proc/locks", encoding: .utf8).split(separator: "\n").contains { line in
                let fields = line.split(separator: " ")
                return fields.count == 8 && fields[4] == "\(process.pid)" && line.hasSuffix(reserved)
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard try holdsReservedOnly() else { continue }
            process.signal(SIGSTOP)
            Thread.sleep(forTimeInterval: 0.02)
            if try holdsReservedOnly() { return true }
            process.signal(SIGCONT)
        }
        process.signal(SIGSTOP)
        return false
    }

    private func storedOffsets(_ harness: ConsumerHarness) throws -> [Int: Int] {
        try SQLiteInspector.storedOffsets(
            consumerDatabase: harness.consumerDatabase, group: harness.group, topic: harness.topic)
    }
}
