import Foundation
import KafkaClient
import Logging
import TestSupport
import XCTest

/// Records rebalance callbacks and answers assignments with chosen start offsets.
final class RecordingRebalanceHandler: RebalanceHandler, @unchecked Sendable {
    var starts: [TopicPartition: StartOffset] = [:]
    private(set) var assigned: [[TopicPartition]] = []
    private(set) var revoked: [(partitions: [TopicPartition], lost: Bool)] = []

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: StartOffset] {
        assigned.append(partitions)
        return starts
    }

    func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool) {
        revoked.append((partitions, lost))
    }
}

extension XCTestCase {
    var testLogger: Logger {
        var logger = Logger(label: "test.kafka")
        logger.logLevel = .warning
        return logger
    }

    func makeConsumer(group: String = "g-\(UUID().uuidString.prefix(6))") throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: .init(
                bootstrapServers: try TestEnvironment.broker, groupID: group, sessionTimeout: .seconds(6)),
            logger: testLogger)
    }

    func makeProducer() throws -> KafkaProducer {
        try KafkaProducer(configuration: .init(bootstrapServers: try TestEnvironment.broker), logger: testLogger)
    }

    /// Polls until `count` messages arrived or `timeout` seconds passed.
    func consume(_ consumer: KafkaConsumer, count: Int, timeout: TimeInterval = 30) throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = Date().addingTimeInterval(timeout)
        while messages.count < count, Date() < deadline {
            messages += try consumer.poll(maxMessages: 1_000, timeout: .milliseconds(200))
        }
        return messages
    }
}
