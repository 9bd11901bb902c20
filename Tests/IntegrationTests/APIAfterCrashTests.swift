import Foundation
import TestSupport
import XCTest

/// The API keeps serving the counts database through what happens to the file under it: a consumer killed
/// mid-commit (a hot rollback journal only a writer can roll back) and a file replaced by rename.
final class APIAfterCrashTests: XCTestCase {
    func testTheAPIAnswersRightAfterTheConsumerIsKilledMidCommit() async throws {
        var harness = try ConsumerHarness(prefix: "apicrash", partitions: 4)
        // Tiny batches: the consumer commits all the time, so a kill often leaves a hot journal behind. A short
        // session: each restart waits for the killed member's session to expire.
        harness.extraEnvironment = [
            "BATCH_SIZE": "50", "BATCH_DELAY_MS": "5", "SESSION_TIMEOUT_MS": "3000",
            "KAFKA_PROPERTIES": "heartbeat.interval.ms=1000",
        ]
        let feed = try harness.startDatafeed(count: 500_000, rate: 100_000_000)
        XCTAssertEqual(feed.wait(timeout: 120), 0, feed.output.suffix(1_000).description)
        let apiPort = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(apiPort)", "--host", "127.0.0.1"],
            environment: ["DATABASE_PATH": harness.database])
        defer { api.signal(SIGKILL) }
        let journal = harness.database + "-journal"

        var kills = 0
        var leftJournals = 0
        var hotJournals = 0
        var unanswered: [String] = []
        // Odd rounds kill at a random instant; even rounds aim: they freeze the consumer the moment its journal
        // is synced (hot) and kill it only if the journal is still hot once it is frozen. Random kills alone
        // left no hot journal in 30 kills on a loaded machine.
        while kills < 12 {
            let consumer = try harness.start()
            defer { consumer.signal(SIGKILL) }
            let working = eventually(timeout: 60, interval: 0.01) {
                consumer.output.contains("offsets=[\"") || !consumer.isRunning
            }
            XCTAssertTrue(working && consumer.isRunning, "consumer never started:\n\(consumer.output.suffix(2_000))")
            if kills % 2 == 0 {
                _ = freezeWithAHotJournal(consumer, journal: journal, timeout: 20)
            } else {
                try await Task.sleep(for: .milliseconds(Int.random(in: 20...150)))
            }
            guard consumer.isRunning else { break }
            consumer.signal(SIGKILL)
            _ = consumer.wait(timeout: 10)
            kills += 1
            let (size, hot) = try inspectJournal(journal)
            if size > 0 { leftJournals += 1 }
            if hot { hotJournals += 1 }

            // Before any consumer reopens the database, the API must answer within a second.
            var last = "no answer"
            let answered = await eventuallyAsync(timeout: 1, interval: .milliseconds(50)) {
                guard let response = try? await HTTP.request("http://127.0.0.1:\(apiPort)/aggregated") else {
                    return false
                }
                last = "\(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))"
                return response.status == 200
            }
            if !answered { unanswered.append("kill \(kills) (hot journal: \(hot)): \(last)") }
        }

        print("[apicrash] \(kills) kills: \(leftJournals) left a journal, \(hotJournals) of them hot")
        XCTAssertEqual(kills, 12)
        XCTAssertGreaterThanOrEqual(
            hotJournals, 3,
            "no kill left a hot journal in \(kills) kills (\(leftJournals) left an unsynced one): the test proved nothing"
        )
        XCTAssertEqual(
            unanswered, [],
            "\(unanswered.count) of \(kills) kills left the API failing; \(leftJournals) left a non-empty journal, "
                + "\(hotJournals) of them hot")
        XCTAssertTrue(api.isRunning, api.output.suffix(2_000).description)
    }

    func testTheAPINoticesAReplacedDatabaseFile() async throws {
        let directory = try TestEnvironment.temporaryDirectory("apireplace")
        let database = directory.appendingPathComponent("foodcount.db").path
        try makeDatabase(database, counts: ["soup": 3])
        let port = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"), ["--port", "\(port)", "--host", "127.0.0.1"],
            environment: ["DATABASE_PATH": database])
        defer { api.signal(SIGKILL) }
        let served = await eventuallyAsync(timeout: 20) { await HTTP.counts(port: port) == ["soup": 3] }
        XCTAssertTrue(served, api.output)

        // A new database written beside it and renamed over it, as a restore from a backup does.
        let replacement = directory.appendingPathComponent("foodcount.db.new").path
        try makeDatabase(replacement, counts: ["soup": 5, "taco": 1])
        XCTAssertEqual(rename(replacement, database), 0, String(cString: strerror(errno)))

        var last: [String: Int]?
        let noticed = await eventuallyAsync(timeout: 1.5, interval: .milliseconds(50)) {
            last = await HTTP.counts(port: port)
            return last == ["soup": 5, "taco": 1]
        }
        XCTAssertTrue(noticed, "within about a second the API must serve the new file; it serves \(last ?? [:])")
    }

    /// Watches the journal's first bytes and stops the consumer (SIGSTOP) as soon as they are the synced header's
    /// magic; returns true if the journal is still hot once the consumer is frozen. Otherwise it lets the consumer
    /// go on and watches again, until `timeout` seconds pass.
    private func freezeWithAHotJournal(_ consumer: ChildProcess, journal: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, consumer.isRunning {
            guard journalStartsWithMagic(journal) else {
                usleep(100)
                continue
            }
            consumer.signal(SIGSTOP)
            usleep(2_000)
            if journalStartsWithMagic(journal) { return true }
            consumer.signal(SIGCONT)
        }
        return false
    }

    private func journalStartsWithMagic(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var header = [UInt8](repeating: 0, count: 8)
        guard pread(descriptor, &header, 8, 0) == 8 else { return false }
        return header == Self.journalMagic
    }

    private static let journalMagic: [UInt8] = [0xD9, 0xD5, 0x05, 0xF9, 0x20, 0xA1, 0x63, 0xD7]

    /// The size of a rollback journal, and whether it is hot: SQLite writes the journal header's magic only
    /// once the journal is synced (before that its first bytes are zero and a reader ignores it), so a journal
    /// that starts with the magic must be rolled back before the database can be read.
    private func inspectJournal(_ path: String) throws -> (size: Int, hot: Bool) {
        guard FileManager.default.fileExists(atPath: path) else { return (0, false) }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return (data.count, Array(data.prefix(8)) == Self.journalMagic)
    }

    private func makeDatabase(_ path: String, counts: [String: Int]) throws {
        let rows = counts.map { "('\($0.key)', \($0.value))" }.joined(separator: ", ")
        _ = try SQLiteInspector.query(
            path,
            """
            CREATE TABLE food_counts (
                category TEXT NOT NULL PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0));
            INSERT INTO food_counts VALUES \(rows);
            """)
    }
}
