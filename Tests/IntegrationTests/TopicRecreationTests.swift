import Foundation
import TestSupport
import XCTest

/// A topic deleted and created again under the same name while the consumer runs (docs/design.md,
/// "Positions"): librdkafka does not rebalance on a new topic ID, so the pipeline notices it from the topic's
/// metadata, and moves its partitions to the new logs' beginning itself.
final class TopicRecreationTests: XCTestCase {
    func testATopicDeletedAndCreatedAgainWhileTheConsumerRunsIsCountedInPlaceAndReadinessNamesItMeanwhile() throws {
        let broker = try EmbeddedBroker.start()
        defer { broker.stop() }
        let harness = try ConsumerHarness(prefix: "recreate", partitions: 2, broker: broker.address)
        let old = try harness.produce((0..<2_000).map { "old\($0 % 4)" }, partitions: 2)
        let consumer = try harness.launch(environment: ["LAG_INTERVAL_MS": "500"])
        defer { consumer.process.signal(SIGKILL) }
        XCTAssertEqual(try harness.waitForExactCounts(old, processed: 2_000), old, consumer.process.output)

        let deleted = try ChildProcess.run(
            TestEnvironment.tansu, ["topic", "delete", harness.topic, "--broker", "tcp://\(broker.address)"])
        XCTAssertEqual(deleted.status, 0, deleted.output)
        // Readiness names the topic meanwhile: missing, then recreated until its partitions continue in it.
        XCTAssertTrue(
            eventually(timeout: 30) {
                let readyz = try? HTTP.curl(consumer.url("/readyz"))
                return readyz?.status == 503 && readyz?.body.contains("topic '\(harness.topic)'") == true
            }, "a deleted topic makes the consumer not ready, naming it:\n\(consumer.process.output.suffix(3_000))")
        try TestEnvironment.createTopic(harness.topic, partitions: 2, broker: broker.address)
        // The new logs outgrow the old positions (1,000 each): librdkafka would fetch them in place from there.
        let new = try harness.produce((0..<6_000).map { "new\($0 % 5)" }, partitions: 2)

        // Counted while it runs, from the new logs' beginning, each event once; the stored offsets follow.
        let expected = old.merging(new) { $0 + $1 }
        let counts = try harness.waitForExactCounts(expected, processed: 6_000, timeout: 90)
        XCTAssertEqual(counts, expected, consumer.process.output.suffix(4_000).description)
        XCTAssertTrue(
            consumer.process.output.contains("deleted and created again while the consumer ran")
                && consumer.process.output.contains("previous_topic_id"),
            "a warning names both topic IDs:\n\(consumer.process.output.suffix(4_000))")
        XCTAssertTrue(
            eventually(timeout: 30) { (try? HTTP.curl(consumer.url("/readyz")))?.status == 200 },
            "ready again once the new logs are counted")
        XCTAssertEqual(harness.stop(consumer), 0, "a clean stop: \(consumer.process.output.suffix(2_000))")

        // Nothing is counted twice by a restart either: the new topic ID was stored with the offsets.
        let restarted = try harness.launch()
        defer { restarted.process.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 60) { restarted.hasPartitions }, restarted.process.output)
        XCTAssertNil(try harness.countsDeviating(from: expected, during: 2), restarted.process.output)
        XCTAssertEqual(harness.stop(restarted), 0)
    }
}
