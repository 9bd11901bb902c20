import Foundation
import TestSupport
import XCTest

/// A database switched to WAL while the consumer runs stops its commits (in WAL, counts and offsets no longer
/// commit atomically together) until it is switched back: nothing advances, `/readyz` answers 503 naming
/// WAL, the log says `journal_mode=wal`, and counting resumes exactly afterwards.
final class JournalModeTests: XCTestCase {
    func testSwitchingAFileToWALWhileTheConsumerRunsStopsCommitsUntilItIsSwitchedBack() async throws {
        try await switchToWALAndBack { $0.database }
    }

    func testSwitchingTheOffsetsFileToWALWhileTheConsumerRunsStopsCommitsUntilItIsSwitchedBack() async throws {
        try await switchToWALAndBack { $0.consumerDatabase }
    }

    private func switchToWALAndBack(_ file: (ConsumerHarness) -> String) async throws {
        var harness = try ConsumerHarness(prefix: "wal", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50", "STATS_INTERVAL_MS": "500"]
        let path = file(harness)
        let first = try harness.produceKnownDistribution(500, foods: 10, partitions: 2)
        let member = try harness.launch()
        defer { member.process.signal(SIGKILL) }
        let counted = try harness.waitForExactCounts(first, processed: 500)
        XCTAssertEqual(counted, first, member.process.output.suffix(2_000).description)

        XCTAssertEqual(try SQLiteInspector.query(path, "PRAGMA journal_mode=WAL"), ["wal"])
        let second = try harness.produceKnownDistribution(500, foods: 10, partitions: 2)

        // While the file is in WAL, nothing commits: the counts and the stored offsets stay where they were.
        let moved = try harness.countsDeviating(from: first, during: 4)
        XCTAssertNil(moved, "counts advanced while \(path) was in WAL:\n\(member.process.output.suffix(2_000))")
        XCTAssertEqual(try harness.processed(), 500, "stored offsets advanced while \(path) was in WAL")
        var readiness = ""
        let notReady = await eventuallyAsync(timeout: 10) {
            guard let response = try? await HTTP.request(member.url("/readyz")) else { return false }
            readiness = "\(response.status) \(String(decoding: response.body, as: UTF8.self))"
            return response.status == 503 && readiness.lowercased().contains("wal")
        }
        XCTAssertTrue(notReady, "/readyz must answer 503 and name WAL; it answered \(readiness)")
        XCTAssertTrue(
            member.process.output.contains("journal_mode=wal"),
            "the log must say journal_mode=wal:\n\(member.process.output.suffix(2_000))")

        try switchBackToDelete(path)
        let expected = first.merging(second, uniquingKeysWith: +)
        let resumed = try harness.waitForExactCounts(expected, processed: 1_000)
        XCTAssertEqual(resumed, expected, "counting must resume exactly:\n\(member.process.output.suffix(2_000))")
        let ready = await eventuallyAsync(timeout: 20) {
            (try? await HTTP.request(member.url("/readyz")))?.status == 200
        }
        XCTAssertTrue(ready, "/readyz must return to 200")
        XCTAssertTrue(member.process.isRunning)
    }

    /// Switches a file back to a rollback journal; retries for up to 20 s while a connection in WAL holds it.
    private func switchBackToDelete(_ path: String) throws {
        var last = ""
        let switched = eventually(timeout: 20, interval: 0.25) {
            do {
                last = try SQLiteInspector.query(path, "PRAGMA journal_mode=DELETE").joined(separator: " ")
            } catch {
                last = "\(error)"
            }
            return last == "delete"
        }
        XCTAssertTrue(switched, "\(path) could not be switched back to journal_mode=DELETE: \(last)")
    }
}
