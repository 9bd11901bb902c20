import CoreMetrics
import FoodCountCore
import KafkaClient
import Logging
import Synchronization

/// An `EventSource` over a `KafkaConsumer`: the bridge between the pipeline and Kafka.
///
/// Partitions without a stored offset start per the consumer's `auto.offset.reset`, never at an offset
/// committed to Kafka: the store is the source of truth. The source never moves a partition by itself: a
/// position the broker refuses (OFFSET_OUT_OF_RANGE, reported by librdkafka's `auto.offset.reset=error`), a
/// watermark below a position and a topic's ID are facts it reports (`takeFacts()`), and the pipeline
/// decides. Thread confinement is the consumer's.
public final class KafkaEventSource: EventSource, RebalanceHandler, @unchecked Sendable {
    /// The underlying consumer.
    public let consumer: KafkaConsumer
    private let topics: [String]
    private let reset: StartOffset
    private var lastWatermarkCheck = ContinuousClock.now
    /// What the source learned and the pipeline has not taken yet, and the topics it holds back meanwhile.
    let mailbox = SourceMailbox()
    let logger: Logger
    private weak var listener: (any PartitionListener)?
    private let statisticsBox: StatisticsBox
    /// The next offset the store holds per owned partition, as far as this source has heard.
    let storedOffsets = Mutex<[TopicPartition: Int64]>([:])
    /// Checks, in debug builds, that polls and callbacks stay on one thread.
    private let confinement = ThreadConfinement("KafkaEventSource")
    /// How long an assignment waits for the topics' IDs.
    private let describeTimeout: Duration = .seconds(5)

    /// Creates a source over an existing consumer.
    /// - Parameters:
    ///   - consumer: The consumer; the source subscribes it and closes it. Configure it with
    ///     `reportsOutOfRange`, or librdkafka moves a refused position by `auto.offset.reset` on its own.
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
        var configuration = configuration
        configuration.reportsOutOfRange = true
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
        if ContinuousClock.now - lastWatermarkCheck >= .milliseconds(500) {
            lastWatermarkCheck = .now
            noteWatermarksBelowPositions()
        }
        let held = mailbox.heldTopics
        return try consumer.pollRuns(maxMessages: maxRecords, timeout: timeout) { run in
            // librdkafka fetches a recreated topic in place once its metadata says so: records of a log in doubt
            // must not reach the pipeline before it knows which log they are of (they would count under the old
            // ID). They are read again once the hold ends (``SourceMailbox``).
            guard held.isEmpty || !held.contains(run.topic) else {
                if run.count > 0 {
                    mailbox.held(
                        TopicPartition(topic: run.topic, partition: run.partition), from: run.message(at: 0).offset)
                }
                return
            }
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
    public func seek(_ moves: [SourcePartition: PartitionStart]) throws {
        var starts: [TopicPartition: StartOffset] = [:]
        for (partition, start) in moves {
            switch start {
            case .offset(let offset): starts[partition.topicPartition] = .offset(offset)
            case .beginning: starts[partition.topicPartition] = .beginning
            }
        }
        try consumer.seek(starts)
    }

    /// Implements `EventSource.takeFacts`. Topics whose IDs are known again flow again, from the first record
    /// held back.
    public func takeFacts() -> [SourceFact] {
        let (facts, rewinds) = mailbox.take()
        let owned = Set(consumer.assignment)
        let moves = rewinds.filter { owned.contains($0.key) }.mapValues { StartOffset.offset($0) }
        if !moves.isEmpty {
            do {
                try consumer.seek(moves)
            } catch {
                logger.error("cannot read held-back records again", metadata: ["error": "\(error)"])
            }
        }
        return facts
    }

    /// Reports a fact to the pipeline, which takes it after its next poll. A topic ID other than the one known
    /// holds the topic's records back until then. Safe from any thread.
    func report(_ fact: SourceFact) {
        mailbox.report(fact)
    }

    /// Implements `RebalanceHandler.topicInDoubt`: the topic's records are held until its ID is known again,
    /// and the topic monitor looks now.
    public func topicInDoubt(_ topic: String) {
        mailbox.doubt(topic)
    }

    /// Implements `EventSource.logBounds`: asks the partitions' leaders (ListOffsets) and the topics' IDs
    /// (Metadata), never a cached figure.
    public func logBounds(of partitions: [SourcePartition]) throws -> [SourcePartition: LogBounds] {
        let ids = try consumer.describeTopics(Array(Set(partitions.map(\.topic))), timeout: .seconds(5))
        mailbox.identified(ids.mapValues(\.id))  // the answer is newer than the IDs reported before it
        var bounds: [SourcePartition: LogBounds] = [:]
        for partition in partitions {
            let (low, high) = try consumer.queryWatermarks(for: partition.topicPartition, timeout: .seconds(5))
            bounds[partition] = LogBounds(start: low, end: high, logID: ids[partition.topic]?.id)
        }
        return bounds
    }

    /// Reports owned partitions whose fetch response's high watermark lies below their position: a fact
    /// (the pipeline moves nothing on it), and only from a fetch response newer than the assignment
    /// (``KafkaConsumer/freshWatermarks(for:)``).
    private func noteWatermarksBelowPositions() {
        for (partition, position) in consumer.positions {
            guard let (_, high) = consumer.freshWatermarks(for: partition), position > high else { continue }
            report(.watermarkBelowPosition(partition.sourcePartition, highWatermark: high, position: position))
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

    /// Implements `EventSource.close`: leaves the group (revocation goes through the listener), then destroys
    /// the consumer's librdkafka handle, joining its threads, so that nothing of librdkafka reaches the
    /// pipeline once it has stopped. Other users of ``consumer`` (the topic and lag monitors) get
    /// `KafkaError.Code.closed` from then on.
    public func close() throws {
        defer { consumer.destroy() }
        try consumer.close()
    }

    /// Implements `RebalanceHandler.partitionsAssigned`: asks the broker for the topics' IDs, so that the
    /// listener can tell a recreated topic from the one its offsets were stored for.
    public func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: StartOffset] {
        confinement.assertConfined("partitionsAssigned")
        let ids = topicIDs(Set(partitions.map(\.topic)).sorted())
        let assigned = partitions.map(\.sourcePartition)
        mailbox.assigned(assigned, ids: ids)
        var logIDs: [SourcePartition: String] = [:]
        for partition in partitions { logIDs[partition.sourcePartition] = ids[partition.topic] }
        let chosen = listener?.partitionsAssigned(partitions.map(\.sourcePartition), logIDs: logIDs) ?? [:]
        var starts: [TopicPartition: StartOffset] = [:]
        for partition in partitions {
            switch chosen[partition.sourcePartition] {
            case .offset(let offset):
                starts[partition] = .offset(offset)
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

    /// Implements `RebalanceHandler.partitionOutOfRange`: reported as a fact; the partition waits, unfetched,
    /// until the pipeline moves it.
    public func partitionOutOfRange(_ partition: TopicPartition) {
        report(.outOfRange(partition.sourcePartition))
    }

    /// The topics' IDs, or none when the broker cannot say (a recreated topic then goes unrecognised at
    /// assignment; the topic monitor reports IDs while the pipeline runs).
    private func topicIDs(_ topics: [String]) -> [String: String] {
        do {
            return try consumer.describeTopics(topics, timeout: describeTimeout).compactMapValues(\.id)
        } catch {
            logger.warning(
                "cannot read the topics' IDs; a recreated topic is not recognised at this assignment",
                metadata: ["topics": "\(topics)", "error": "\(error)"])
            return [:]
        }
    }

    /// Implements `RebalanceHandler.partitionsRevoked`.
    public func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool) {
        listener?.partitionsRevoked(partitions.map(\.sourcePartition), lost: lost)
        mailbox.revoked(partitions)
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
