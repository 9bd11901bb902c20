import Foundation
import TestSupport
import XCTest

/// A partition that comes back to a member after a scale-down resumes at its stored offset: it is never
/// recounted from offset 0, however far the member that held it meanwhile counted it on.
///
/// The member that stays has a cached high watermark for the partition from before it was handed away
/// (librdkafka updates it only from fetch responses). The stored offset it gets back is past that stale
/// figure until its first fetch response for the partition, and must not be taken for a log reset.
final class PartitionHandbackTests: XCTestCase {
    func testAPartitionHandedBackAndForthIsNeverRecounted() throws {
        try handBackAndForth(kafkaProperties: nil)
    }

    func testAPartitionHandedBackAndForthIsNeverRecountedWithSlowFetches() throws {
        // A fetch with nothing new waits this long at the broker: the stale watermark lives longer.
        try handBackAndForth(kafkaProperties: "fetch.wait.max.ms=1500")
    }

    /// Member A runs throughout; in each round member B joins, takes a partition, counts it on past A's last
    /// fetch, and leaves; the traffic stops between phases, and the counts must be exact after each.
    private func handBackAndForth(kafkaProperties: String?, rounds: Int = 4) throws {
        var harness = try ConsumerHarness(prefix: "handback", partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        if let kafkaProperties { harness.extraEnvironment["KAFKA_PROPERTIES"] = kafkaProperties }
        var expected: [String: Int] = [:]
        var produced = 0
        func produceBothPartitionsAndCheck(_ phase: String) throws {
            let batch = try harness.produceKnownDistribution(1_000, foods: 10, partitions: 2)
            expected.merge(batch, uniquingKeysWith: +)
            produced += 1_000
            let counts = try harness.waitForExactCounts(expected, processed: produced)
            XCTAssertEqual(counts, expected, "\(phase): the counts must be exactly the \(produced) events produced")
        }

        let memberA = try harness.launch()
        defer { memberA.process.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 60) { memberA.hasPartitions }, memberA.process.output)
        try produceBothPartitionsAndCheck("with member A alone")

        for round in 1...rounds {
            let memberB = try harness.launch()
            defer { memberB.process.signal(SIGKILL) }
            let assignmentsOfA = memberA.process.output.components(separatedBy: "offsets=[\"").count
            XCTAssertTrue(
                eventually(timeout: 60) { memberB.hasPartitions }, "round \(round): B never got a partition")
            try produceBothPartitionsAndCheck("round \(round), A and B")

            XCTAssertEqual(harness.stop(memberB), 0, memberB.process.output.suffix(2_000).description)
            let handedBack = eventually(timeout: 30) {
                memberA.process.output.components(separatedBy: "offsets=[\"").count > assignmentsOfA
            }
            XCTAssertTrue(handedBack, "round \(round): A never got B's partition back")
            // Nothing new is produced: any change now is a recount of what B had counted.
            let deviation = try harness.countsDeviating(from: expected, during: 2.5)
            XCTAssertNil(
                deviation,
                "round \(round): right after the handback the counts moved (total \(deviation?.values.reduce(0, +) ?? 0) "
                    + "of \(produced)):\n\(memberA.process.output.suffix(1_500))")
            if deviation != nil { break }  // the counts are wrong for good; the next rounds would only repeat it
            try produceBothPartitionsAndCheck("round \(round), A alone again")
        }
        XCTAssertTrue(memberA.process.isRunning, memberA.process.output.suffix(2_000).description)
        XCTAssertEqual(try harness.processed(), produced)
    }
}
