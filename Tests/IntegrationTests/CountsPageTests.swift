import Foundation
import TestSupport
import XCTest

/// The page at `/` in a real headless browser (Debian's chromium): it shows the counts the consumer keeps as
/// bars, and follows them as they change. A screenshot stays in `.run/counts-page.png`.
final class CountsPageTests: XCTestCase {
    func testThePageShowsTheCountsAndFollowsThemAsTheyChange() throws {
        var harness = try ConsumerHarness(prefix: "page", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        let first = try harness.produceKnownDistribution(300, foods: 6)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 60) { (try? harness.processed()) == 300 }, consumer.output.suffix(2_000).description)
        let api = try APIServer(existingDatabase: harness.database)
        defer { api.stop() }

        let run = TestEnvironment.packageRoot.appendingPathComponent(".run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let screenshot = run.appendingPathComponent("counts-page.png")
        let go = try TestEnvironment.temporaryDirectory("page").appendingPathComponent("go")
        let probe = try ChildProcess(
            TestEnvironment.python,
            [
                TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/page_probe.py").path,
                "/usr/bin/chromium", api.url("/"), screenshot.path, go.path,
            ])
        defer { probe.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 60) { probe.output.contains("initial {") || !probe.isRunning }, probe.output)
        let initial = try state(probe.output, "initial")
        XCTAssertEqual(initial["total"] as? String, "300")
        XCTAssertEqual(initial["bars"] as? [String: Int], first)

        let second = try harness.produceKnownDistribution(60, foods: 6)
        XCTAssertTrue(eventually(timeout: 60) { (try? harness.processed()) == 360 })
        XCTAssertTrue(FileManager.default.createFile(atPath: go.path, contents: nil))
        XCTAssertEqual(probe.wait(timeout: 60), 0, probe.output)
        let updated = try state(probe.output, "updated")
        XCTAssertEqual(updated["total"] as? String, "360")
        XCTAssertEqual(updated["bars"] as? [String: Int], first.merging(second, uniquingKeysWith: +))
        XCTAssertNotEqual(
            updated["changed"] as? String, initial["changed"] as? String, "the time of the last change moves")
        let png = try Data(contentsOf: screenshot)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG screenshot in .run/")
    }

    private func state(_ output: String, _ label: String) throws -> [String: Any] {
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix(label + " ") })
        let data = Data(line.dropFirst(label.count + 1).utf8)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
