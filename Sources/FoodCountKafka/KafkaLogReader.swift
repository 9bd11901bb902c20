import FoodCountCore
import Foundation
import KafkaClient
import Logging

/// Reads the partitions of a topic from their beginning up to a chosen end, outside any consumer group: what
/// the operator commands (`foodcount audit`, `rebuild`, `offsets reset`) recount the log from.
///
/// It assigns the partitions by hand under a group id of its own and commits nothing, so a running consumer
/// and its group are not disturbed. It blocks: run it on a thread that may block.
public final class KafkaLogReader {
    /// Where the reading of a partition stops.
    public enum End: Sendable, Equatable {
        /// Before this offset (a stored offset).
        case offset(Int64)
        /// At the end of the log when the reading gets there (the high watermark of a fetch response).
        case logEnd
        /// At the first record written at or after this time (milliseconds since the epoch), or the log's end.
        case firstAt(timestampMilliseconds: Int64)
    }

    /// What the reading of a partition saw.
    public struct Outcome: Sendable, Equatable {
        /// The offset after the last record read: where a consumer continues.
        public var next: Int64
        /// The first offset the log still holds (records before it were deleted by retention), when known.
        public var logStart: Int64?
        /// How many records were read.
        public var records: Int

        /// Creates an outcome.
        public init(next: Int64, logStart: Int64?, records: Int) {
            self.next = next
            self.logStart = logStart
            self.records = records
        }
    }

    private let consumer: KafkaConsumer
    private let logger: Logger

    /// Creates a reader with a consumer of its own.
    /// - Parameters:
    ///   - configuration: The brokers and security to use; the group id is replaced by a private one.
    ///   - logger: Where the reader logs.
    public init(configuration: KafkaConsumer.Configuration, logger: Logger) throws(KafkaError) {
        var configuration = configuration
        configuration.groupID = "foodcount-reader-\(UUID().uuidString.prefix(8).lowercased())"
        configuration.statisticsInterval = nil
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.logger = logger
    }

    /// The partitions of a topic, from the broker.
    public func partitions(of topic: String) throws(KafkaError) -> [Int32] {
        guard let description = try consumer.describeTopics([topic], timeout: .seconds(10))[topic] else {
            throw KafkaError(code: .query, message: "topic '\(topic)' does not exist")
        }
        return (0..<Int32(description.partitionCount)).map { $0 }
    }

    /// Reads each partition from its beginning to its end, lending each record to `body`.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - ends: Where each partition's reading stops; partitions left out are not read.
    ///   - idle: How long the reading may go without progress before it gives up.
    ///   - body: Receives each record before its partition's end, in offset order per partition.
    /// - Returns: What each partition's reading saw.
    /// - Throws: When the log ends before a requested offset, or the reading stalls for `idle`.
    public func read(
        _ topic: String, until ends: [Int32: End], idle: Duration = .seconds(30),
        _ body: (_ partition: Int32, _ offset: Int64, _ value: UnsafeRawBufferPointer?) -> Void
    ) throws(KafkaError) -> [Int32: Outcome] {
        var outcomes: [Int32: Outcome] = [:]
        var open: [Int32: End] = [:]
        for (partition, end) in ends {
            outcomes[partition] = Outcome(next: 0, logStart: nil, records: 0)
            if end != .offset(0) { open[partition] = end }
        }
        guard !open.isEmpty else { return outcomes }
        try consumer.assign(
            Dictionary(
                uniqueKeysWithValues: open.keys.map { (TopicPartition(topic: topic, partition: $0), .beginning) }))
        var lastProgress = ContinuousClock.now
        while !open.isEmpty {
            let read = try consumer.poll(maxMessages: 2_000, timeout: .milliseconds(100)) { message in
                guard let end = open[message.partition] else { return }
                if outcomes[message.partition]?.logStart == nil {
                    outcomes[message.partition]?.logStart = message.offset
                }
                switch end {
                case .offset(let stop) where message.offset >= stop:
                    open[message.partition] = nil
                    outcomes[message.partition]?.next = stop
                    return
                case .firstAt(let time) where (message.timestampMilliseconds ?? .min) >= time:
                    open[message.partition] = nil
                    outcomes[message.partition]?.next = message.offset
                    return
                default:
                    break
                }
                body(message.partition, message.offset, message.value)
                outcomes[message.partition]?.next = message.offset + 1
                outcomes[message.partition]?.records += 1
            }
            if read > 0 { lastProgress = .now }
            for (partition, end) in open {
                let topicPartition = TopicPartition(topic: topic, partition: partition)
                guard let (low, high) = consumer.freshWatermarks(for: topicPartition) else { continue }
                if outcomes[partition]?.logStart == nil || low > (outcomes[partition]?.logStart ?? 0) {
                    outcomes[partition]?.logStart = low
                }
                let next = max(outcomes[partition]?.next ?? 0, low)
                switch end {
                case .offset(let stop) where high < stop:
                    throw KafkaError(
                        code: .query,
                        message: "partition \(partition) of \(topic) ends at \(high), before the stored offset \(stop)",
                        topic: topic, partition: partition)
                case .offset(let stop) where next >= stop:
                    open[partition] = nil
                    outcomes[partition]?.next = stop
                case .logEnd, .firstAt:
                    if next >= high {
                        open[partition] = nil
                        outcomes[partition]?.next = high
                    }
                default:
                    break
                }
            }
            guard ContinuousClock.now - lastProgress < idle else {
                throw KafkaError(
                    code: .timeout,
                    message: "reading \(topic) made no progress for \(idle) (partitions \(open.keys.sorted()))")
            }
        }
        return outcomes
    }

    /// Each partition's first and next offset (log start and end), from fetch responses: librdkafka's watermark
    /// query is not reliable on every broker (the embedded one answers it low), a fetch response is.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - partitions: Its partitions.
    ///   - timeout: How long to wait for every partition's first fetch response.
    public func watermarks(
        _ topic: String, partitions: [Int32], timeout: Duration = .seconds(15)
    ) throws(KafkaError) -> [Int32: (start: Int64, end: Int64)] {
        let topicPartitions = partitions.map { TopicPartition(topic: topic, partition: $0) }
        try consumer.assign(Dictionary(uniqueKeysWithValues: topicPartitions.map { ($0, StartOffset.end) }))
        let deadline = ContinuousClock.now + timeout
        var found: [Int32: (start: Int64, end: Int64)] = [:]
        while found.count < partitions.count {
            _ = try consumer.poll(maxMessages: 100, timeout: .milliseconds(100)) { _ in }
            for partition in topicPartitions where found[partition.partition] == nil {
                if let (low, high) = consumer.freshWatermarks(for: partition) {
                    found[partition.partition] = (low, high)
                }
            }
            guard ContinuousClock.now < deadline else {
                throw KafkaError(code: .timeout, message: "no fetch response for \(topic) within \(timeout)")
            }
        }
        return found
    }

    /// The state of a consumer group (whether its members consume now).
    public func groupState(_ group: String) throws(KafkaError) -> ConsumerGroupState {
        try consumer.groupState(group, timeout: .seconds(10))
    }

    /// The topic's ID, when the broker has one.
    public func topicID(_ topic: String) throws(KafkaError) -> String? {
        try consumer.describeTopics([topic], timeout: .seconds(10))[topic]?.id
    }

    /// Leaves nothing behind: no group membership was taken, no offset committed.
    public func close() {
        try? consumer.close()
    }
}
