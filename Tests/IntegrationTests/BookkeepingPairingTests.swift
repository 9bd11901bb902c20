import Foundation
import TestSupport
import XCTest

/// The offsets file (`foodcount-consumer.db`) and the counts database must belong together: a consumer
/// that finds them disagreeing refuses to start (exit 2, one `StoreError(inconsistent)` line) and never
/// touches the counts, instead of recounting or skipping events. A fresh start with neither file counts.
final class BookkeepingPairingTests: XCTestCase {
    private let refusal = "consumer: error: StoreError(inconsistent):"

    func testADeletedOffsetsFileIsRefusedInsteadOfRecountingEverything() throws {
        var harness = try ConsumerHarness(prefix: "pairing-deleted", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        let counted = try countAndStop(harness, 1_000)

        try FileManager.default.removeItem(atPath: harness.consumerDatabase)

        try assertRefuses(harness, keeping: counted)
    }

    func testARenamedConsumerGroupIsRefusedInsteadOfRecountingEverything() throws {
        var harness = try ConsumerHarness(prefix: "pairing-renamed", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        let counted = try countAndStop(harness, 1_000)

        try assertRefuses(harness, environment: ["CONSUMER_GROUP": harness.group + "-renamed"], keeping: counted)
    }

    func testADeletedOffsetsFileWithLatestResetIsRefusedInsteadOfSkippingToTheEnd() throws {
        var harness = try ConsumerHarness(prefix: "pairing-latest", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        let counted = try countAndStop(harness, 1_000)

        try FileManager.default.removeItem(atPath: harness.consumerDatabase)

        // Starting at the log's end would silently skip the events produced while no offset was stored.
        try assertRefuses(harness, environment: ["AUTO_OFFSET_RESET": "latest"], keeping: counted) {
            _ = try harness.produceKnownDistribution(500, foods: 10, partitions: 2)
        }
    }

    func testAnOlderCopyOfTheCountsDatabaseIsRefusedInsteadOfLosingTheEventsSinceThen() throws {
        var harness = try ConsumerHarness(prefix: "pairing-restored", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        let older = try countAndStop(harness, 1_000)
        let copy = harness.directory.appendingPathComponent("foodcount-copy.db").path
        try FileManager.default.copyItem(atPath: harness.database, toPath: copy)
        let newer = try countAndStop(harness, 600, after: older)
        XCTAssertEqual(newer.values.reduce(0, +), 1_600)

        try FileManager.default.removeItem(atPath: harness.database)
        try FileManager.default.moveItem(atPath: copy, toPath: harness.database)

        try assertRefuses(harness, keeping: older)
    }

    func testAFreshStartWithNeitherFileCountsAndRestartsNormally() throws {
        var harness = try ConsumerHarness(prefix: "pairing-fresh", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.database))
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.consumerDatabase))

        let first = try countAndStop(harness, 1_000)
        let both = try countAndStop(harness, 600, after: first)

        XCTAssertEqual(first.values.reduce(0, +), 1_000)
        XCTAssertEqual(try harness.counts(), both)
        XCTAssertEqual(try harness.processed(), 1_600)
    }

    /// Produces `count` more events, counts them with one consumer, stops it with SIGTERM, and returns the
    /// counts, which must be `earlier` plus the new events.
    private func countAndStop(
        _ harness: ConsumerHarness, _ count: Int, after earlier: [String: Int] = [:]
    ) throws -> [String: Int] {
        let expected = try harness.produceKnownDistribution(count, foods: 10, partitions: 2)
            .merging(earlier, uniquingKeysWith: +)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        let total = expected.values.reduce(0, +)
        let counts = try harness.waitForExactCounts(expected, processed: total)
        XCTAssertEqual(counts, expected, consumer.output.suffix(2_000).description)
        XCTAssertEqual(harness.stop(consumer), 0, consumer.output.suffix(2_000).description)
        return try harness.counts()
    }

    /// Starts a consumer (running `meanwhile` once it started) that must exit with status 2 within 10 s,
    /// saying why in one line, while the counts, read every 100 ms, stay exactly `counted`.
    private func assertRefuses(
        _ harness: ConsumerHarness, environment: [String: String] = [:], keeping counted: [String: Int],
        file: StaticString = #filePath, line: UInt = #line, meanwhile: () throws -> Void = {}
    ) throws {
        let consumer = try harness.launch(environment: environment).process
        defer { consumer.signal(SIGKILL) }
        try meanwhile()
        var deviation: [String: Int]?
        var status: Int32?
        let deadline = Date().addingTimeInterval(10)
        repeat {
            let counts = try harness.counts()
            if deviation == nil, counts != counted { deviation = counts }
            status = consumer.wait(timeout: 0.1)
        } while status == nil && Date() < deadline
        let output = consumer.output
        let final = try harness.counts()

        XCTAssertEqual(status, 2, "the consumer must refuse to start:\n\(output.suffix(2_000))", file: file, line: line)
        let reasons = output.split(separator: "\n").filter { $0.hasPrefix(refusal) }
        XCTAssertEqual(
            reasons.count, 1, "one line starting with \(refusal):\n\(output.suffix(2_000))", file: file, line: line)
        XCTAssertNil(
            deviation,
            "the counts changed (total \(deviation?.values.reduce(0, +) ?? 0) of \(counted.values.reduce(0, +)))",
            file: file, line: line)
        XCTAssertEqual(final, counted, "the counts must stay those of the events counted", file: file, line: line)
    }
}
