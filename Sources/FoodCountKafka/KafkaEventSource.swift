import CoreMetrics
import FoodCountCore
import KafkaClient
import Logging
import Synchronization

/// An `EventSource` over a `KafkaConsumer`: the bridge between the pipeline and Kafka.
///
/// Partitions without a stored offset start per the consumer's `auto.offset.reset`, never at an offset
/// committed to Kafka: the store is the source of truth. Thread confinement is the consumer's.
public final class KafkaEventSource: EventSource, RebalanceHandler, @unchecked Sendable {
    /// The underlying consumer.
    public let consumer: KafkaConsumer
    private let topics: [String]
    private let reset: StartOffset
    private var lastLogEndCheck = ContinuousClock.now
    let logger: Logger
    private weak var listener: (any PartitionListener)?
    private let statisticsBox: StatisticsBox
    /// The next offset the store holds per owned partition, as far as this source has heard.
    let storedOffsets = Mutex<[TopicPartition: Int64]>([:])
    /// Owned partitions that started in the log their stored offset belongs to (``PartitionStart``): a
    /// position past their log's end means a lost tail, not a recreated log. Poll owner's thread only.
    var startedInSameLog: Set<TopicPartition> = []
    /// Checks, in debug builds, that polls and callbacks stay on one thread.
    private let confinement = ThreadConfinement("KafkaEventSource")
    /// How long an assignment waits for the topics' IDs.
    private let describeTimeout: Duration = .seconds(5)

    /// Creates a source over an existing consumer.
    /// - Parameters:
    ///   - consumer: The consumer; the source subscribes it and closes it.
    ///   - topics: The topics to consume.
    ///   - offsetReset: Where partitions without a stored offset start (use the consumer's own setting).
    ///   - logger: Where the source logs.
    public convenience init(
        consumer: KafkaConsumer,
        topics: [String],
        offsetReset: KafkaConsumer.OffsetReset = .earliest,
        logger: Logger = Logger(label: "foodcount.kafka")
    ) {
        self.init(
            consumer: consumer, statistics: StatisticsBox(), topics: topics, offsetReset: offsetReset, logger: logger)
    }

    private init(
        consumer: KafkaConsumer,
        statistics: StatisticsBox,
        topics: [String],
        offsetReset: KafkaConsumer.OffsetReset,
        logger: Logger
    ) {
        self.statisticsBox = statistics
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
        let statistics = StatisticsBox()
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger) { json in
            statistics.update(json)
        }
        self.init(
            consumer: consumer, statistics: statistics, topics: topics, offsetReset: configuration.autoOffsetReset,
            logger: logger)
    }

    /// Implements `EventSource.start`.
    public func start(listener: any PartitionListener) throws {
        self.listener = listener
        try consumer.subscribe(topics: topics, handler: self)
    }

    /// Implements `EventSource.poll`, copying each record.
    public func poll(maxRecords: Int, timeout: Duration) throws -> [SourceRecord] {
        var records: [SourceRecord] = []
        try poll(maxRecords: maxRecords, timeout: timeout) { run in
            for index in 0..<run.count { records.append(run.makeRecord(at: index)) }
        }
        return records
    }

    /// Implements `EventSource.poll`, lending librdkafka's buffers in runs of one partition without copying
    /// them.
    @discardableResult
    public func poll(maxRecords: Int, timeout: Duration, _ body: (any SourceRun) -> Void) throws -> Int {
        confinement.assertConfined("poll")
        if ContinuousClock.now - lastLogEndCheck >= .milliseconds(500) {
            lastLogEndCheck = .now
            restartPartitionsBeyondLogEnd()
        }
        return try consumer.pollRuns(maxMessages: maxRecords, timeout: timeout) { run in
            body(KafkaSourceRun(run))
        }
    }

    /// Implements `EventSource.isCaughtUp`: every owned partition's position reached the high watermark of
    /// the last fetch response (`KafkaConsumer.isAtEnd(_:)`).
    public var isCaughtUp: Bool { consumer.isCaughtUp }

    /// Implements `EventSource.commit`.
    public func commit(_ offsets: [SourcePartition: Int64]) {
        var converted: [TopicPartition: Int64] = [:]
        for (partition, offset) in offsets {
            converted[TopicPartition(topic: partition.topic, partition: partition.partition)] = offset
        }
        storedOffsets.withLock { $0.merge(converted) { $1 } }
        do {
            try consumer.commit(converted)
        } catch {
            logger.warning("Kafka offset commit failed (the store keeps the truth)", metadata: ["error": "\(error)"])
        }
    }

    /// Implements `EventSource.seek`.
    public func seek(_ offsets: [SourcePartition: Int64]) throws {
        var moves: [TopicPartition: StartOffset] = [:]
        for (partition, offset) in offsets { moves[partition.topicPartition] = .offset(offset) }
        try consumer.seek(moves)
        storedOffsets.withLock { stored in
            for (partition, offset) in moves { stored[partition] = offset.offset }
        }
    }

    /// Implements `EventSource.pause`.
    public func pause(_ partitions: [SourcePartition]) {
        do {
            try consumer.pause(partitions.map(\.topicPartition))
        } catch {
            logger.warning("cannot pause partitions", metadata: ["error": "\(error)"])
        }
    }

    /// Implements `EventSource.resume`.
    public func resume(_ partitions: [SourcePartition]) {
        do {
            try consumer.resume(partitions.map(\.topicPartition))
        } catch {
            logger.warning("cannot resume partitions", metadata: ["error": "\(error)"])
        }
    }

    /// Implements `EventSource.wakeup`.
    public func wakeup() {
        consumer.wakeup()
    }

    /// Implements `EventSource.close`.
    public func close() throws {
        try consumer.close()
    }

    /// Implements `RebalanceHandler.partitionsAssigned`: asks the broker for the topics' IDs, so that the
    /// listener can tell a recreated topic from the one its offsets were stored for.
    public func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: StartOffset] {
        confinement.assertConfined("partitionsAssigned")
        let ids = topicIDs(Set(partitions.map(\.topic)).sorted())
        var logIDs: [SourcePartition: String] = [:]
        for partition in partitions { logIDs[partition.sourcePartition] = ids[partition.topic] }
        let chosen = listener?.partitionsAssigned(partitions.map(\.sourcePartition), logIDs: logIDs) ?? [:]
        var starts: [TopicPartition: StartOffset] = [:]
        for partition in partitions {
            startedInSameLog.remove(partition)
            switch chosen[partition.sourcePartition] {
            case .offset(let offset, let sameLog):
                starts[partition] = .offset(offset)
                if sameLog { startedInSameLog.insert(partition) }
            case .beginning:
                starts[partition] = .beginning
            case nil:
                starts[partition] = reset
            }
        }
        storedOffsets.withLock { stored in
            for partition in partitions { stored[partition] = starts[partition].flatMap { $0.offset } }
        }
        return starts
    }

    /// Implements `RebalanceHandler.partitionWasReset`: the broker answered OFFSET_OUT_OF_RANGE and
    /// librdkafka moved the partition by `auto.offset.reset`.
    public func partitionWasReset(_ partition: TopicPartition) {
        LogResetMetrics.outOfRange.increment()
    }

    /// The topics' IDs, or none when the broker cannot say (a recreated topic is then recognised by its
    /// offsets only, see `restartPartitionsBeyondLogEnd()`).
    private func topicIDs(_ topics: [String]) -> [String: String] {
        do {
            return try consumer.describeTopics(topics, timeout: describeTimeout).compactMapValues(\.id)
        } catch {
            logger.warning(
                "cannot read the topics' IDs; a recreated topic is recognised by its offsets only",
                metadata: ["topics": "\(topics)", "error": "\(error)"])
            return [:]
        }
    }

    /// Implements `RebalanceHandler.partitionsRevoked`.
    public func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool) {
        listener?.partitionsRevoked(partitions.map(\.sourcePartition), lost: lost)
        startedInSameLog.subtract(partitions)
        storedOffsets.withLock { stored in
            for partition in partitions { stored.removeValue(forKey: partition) }
        }
    }
}

extension KafkaEventSource {
    /// The latest librdkafka statistics, when `statisticsInterval` is configured. Safe from any thread.
    public var statistics: KafkaStatistics? { statisticsBox.latest }

    /// The broker and group checks for readiness, from the latest statistics. Safe from any thread.
    /// - Parameter maxIdle: The longest broker silence still counted as reachable.
    public func connectionHealth(maxIdle: Duration = .seconds(10)) -> (brokerReachable: Bool, inGroup: Bool) {
        guard let statistics = statisticsBox.latest, statisticsBox.age < maxIdle else { return (false, false) }
        return (statistics.isBrokerReachable(maxIdle: maxIdle), statistics.isInGroup)
    }
}

/// Holds the latest statistics document, parsed.
final class StatisticsBox: Sendable {
    private let state = Mutex<(statistics: KafkaStatistics?, at: ContinuousClock.Instant)>((nil, .now))

    func update(_ json: String) {
        guard let statistics = try? KafkaStatistics(json: json) else { return }
        state.withLock { $0 = (statistics, .now) }
    }

    var latest: KafkaStatistics? { state.withLock { $0.statistics } }
    var age: Duration { ContinuousClock.now - state.withLock { $0.at } }
}

extension StartOffset {
    var offset: Int64? {
        if case .offset(let value) = self { return value }
        return nil
    }
}

extension TopicPartition {
    var sourcePartition: SourcePartition { SourcePartition(topic: topic, partition: partition) }
}

extension SourcePartition {
    var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}
