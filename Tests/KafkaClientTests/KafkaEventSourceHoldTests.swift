import FoodCountCore
import Foundation
import KafkaClient
import TestSupport
import XCTest

@testable import FoodCountKafka

/// Records of a topic whose log is in doubt are held back, not lost: once the hold ends, the partition is read
/// again from the first record held (`SourceMailbox`).
final class KafkaEventSourceHoldTests: XCTestCase {
    func testRecordsHeldBackForANewTopicIDAreReadAgainOnceThePipelineTookTheFact() throws {
        let topic = TestEnvironment.uniqueTopic("hold")
        try TestEnvironment.createTopic(topic, partitions: 1)
        try PythonProducer.produce(
            (0..<10).map { .text(#"{"food": "a\#($0)"}"#) }, topic: topic, broker: TestEnvironment.broker)
        let source = KafkaEventSource(consumer: try makeConsumer(), topics: [topic], logger: testLogger)
        let listener = StartsWhereResetSays()
        try source.start(listener: listener)
        defer { try? source.close() }
        var offsets: [Int64] = []
        func poll(until condition: () -> Bool) throws {
            let deadline = Date().addingTimeInterval(30)
            while !condition(), Date() < deadline {
                try source.poll(maxRecords: 100, timeout: .milliseconds(200)) { run in
                    for index in 0..<run.count { offsets.append(run.makeRecord(at: index).offset) }
                }
            }
        }
        try poll { offsets.count == 10 }
        XCTAssertEqual(offsets, Array(0..<10))

        // The topic monitor reports another ID: records are held until the pipeline takes the fact.
        source.report(.topicID(topic: topic, id: "AAAAAAAAAAAAAAAAAAAAAA"))
        try PythonProducer.produce(
            (10..<20).map { .text(#"{"food": "a\#($0)"}"#) }, topic: topic, broker: TestEnvironment.broker)
        let partition = TopicPartition(topic: topic, partition: 0)
        try poll { source.consumer.positions(of: [partition])[partition] == 20 }
        XCTAssertEqual(offsets.count, 10, "nothing of a held topic reaches the pipeline")

        let facts = source.takeFacts()
        XCTAssertTrue(facts.contains(.topicID(topic: topic, id: "AAAAAAAAAAAAAAAAAAAAAA")), "\(facts)")
        try poll { offsets.count == 20 }
        XCTAssertEqual(offsets, Array(0..<20), "the held records are read again, none skipped")
    }
}

/// Starts every partition by the reset policy.
private final class StartsWhereResetSays: PartitionListener, @unchecked Sendable {
    func partitionsAssigned(
        _ partitions: [SourcePartition], logIDs: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] { [:] }

    func partitionsRevoked(_ partitions: [SourcePartition], lost: Bool) {}
}
