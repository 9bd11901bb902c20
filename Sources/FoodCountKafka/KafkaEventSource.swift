import FoodCountCore
import KafkaClient
import Logging

/// An ``EventSource`` over a ``KafkaConsumer``: the bridge between the pipeline and Kafka.
///
/// Partitions without a stored offset start per the consumer's `auto.offset.reset`, never at an offset
/// committed to Kafka: the store is the source of truth. Thread confinement is the consumer's.
public final class KafkaEventSource: EventSource, RebalanceHandler, @unchecked Sendable {
    /// The underlying consumer.
    public let consumer: KafkaConsumer
    private let topics: [String]
    private let reset: StartOffset
    private var lastLogEndCheck = ContinuousClock.now
    /// The next offset to fetch per owned partition, where known: the assigned start, then the offset after
    /// the last message returned. (`rd_kafka_position` knows nothing before the first message.)
    var positions: [TopicPartition: Int64] = [:]
    let logger: Logger
    private weak var listener: (any PartitionListener)?

    /// Creates a source over an existing consumer.
    /// - Parameters:
    ///   - consumer: The consumer; the source subscribes it and closes it.
    ///   - topics: The topics to consume.
    ///   - offsetReset: Where partitions without a stored offset start (use the consumer's own setting).
    ///   - logger: Where the source logs.
    public init(
        consumer: KafkaConsumer,
        topics: [String],
        offsetReset: KafkaConsumer.OffsetReset = .earliest,
        logger: Logger = Logger(label: "foodcount.kafka")
    ) {
        self.consumer = consumer
        self.topics = topics
        self.reset = offsetReset == .earliest ? .beginning : .end
        self.logger = logger
    }

    /// Creates a consumer from a configuration and a source over it.
    /// - Parameters:
    ///   - configuration: The consumer settings.
    ///   - topics: The topics to consume.
    ///   - logger: Where the source and consumer log.
    public convenience init(
        configuration: KafkaConsumer.Configuration,
        topics: [String],
        logger: Logger = Logger(label: "foodcount.kafka")
    ) throws(KafkaError) {
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.init(consumer: consumer, topics: topics, offsetReset: configuration.autoOffsetReset, logger: logger)
    }

    public func start(listener: any PartitionListener) throws {
        self.listener = listener
        try consumer.subscribe(topics: topics, handler: self)
    }

    public func poll(maxRecords: Int, timeout: Duration) throws -> [SourceRecord] {
        if ContinuousClock.now - lastLogEndCheck >= .milliseconds(500) {
            lastLogEndCheck = .now
            restartPartitionsBeyondLogEnd()
        }
        let messages = try consumer.poll(maxMessages: maxRecords, timeout: timeout)
        notePositions(of: messages)
        return messages.map { message in
            SourceRecord(
                partition: SourcePartition(topic: message.topic, partition: message.partition),
                offset: message.offset,
                key: message.key,
                value: message.value,
                headers: message.headers.map { SourceRecord.Header(name: $0.name, value: $0.value) },
                timestampMilliseconds: message.timestampMilliseconds
            )
        }
    }

    public func commit(_ offsets: [SourcePartition: Int64]) {
        var converted: [TopicPartition: Int64] = [:]
        for (partition, offset) in offsets {
            converted[TopicPartition(topic: partition.topic, partition: partition.partition)] = offset
        }
        do {
            try consumer.commit(converted)
        } catch {
            logger.warning("Kafka offset commit failed (the store keeps the truth)", metadata: ["error": "\(error)"])
        }
    }

    public func pause(_ partitions: [SourcePartition]) {
        do {
            try consumer.pause(partitions.map(\.topicPartition))
        } catch {
            logger.warning("cannot pause partitions", metadata: ["error": "\(error)"])
        }
    }

    public func resume(_ partitions: [SourcePartition]) {
        do {
            try consumer.resume(partitions.map(\.topicPartition))
        } catch {
            logger.warning("cannot resume partitions", metadata: ["error": "\(error)"])
        }
    }

    public func wakeup() {
        consumer.wakeup()
    }

    public func close() throws {
        try consumer.close()
    }

    public func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: StartOffset] {
        let stored = listener?.partitionsAssigned(partitions.map(\.sourcePartition)) ?? [:]
        var starts: [TopicPartition: StartOffset] = [:]
        for partition in partitions {
            let offset = stored[partition.sourcePartition]
            starts[partition] = offset.map { .offset($0) } ?? reset
            positions[partition] = offset
        }
        return starts
    }

    public func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool) {
        listener?.partitionsRevoked(partitions.map(\.sourcePartition), lost: lost)
        for partition in partitions { positions.removeValue(forKey: partition) }
    }
}

extension TopicPartition {
    var sourcePartition: SourcePartition { SourcePartition(topic: topic, partition: partition) }
}

extension SourcePartition {
    var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}
