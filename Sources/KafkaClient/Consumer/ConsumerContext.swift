import CRdKafka
import Logging
import Synchronization

/// Per-consumer state reachable from librdkafka's callbacks through the client opaque.
final class ConsumerContext: ClientContext, @unchecked Sendable {
    /// Set once by `subscribe`, read on the polling thread inside callbacks.
    weak var handler: (any RebalanceHandler)?
    /// Called with each statistics JSON document, on the polling thread.
    let statisticsHandler: (@Sendable (String) -> Void)?
    /// What this member owns now, as librdkafka was told.
    let assignment = Mutex<Set<TopicPartition>>([])
    /// The last error librdkafka reported, cleared by a successful fetch.
    let lastError = Mutex<KafkaError?>(nil)
    /// An assignment librdkafka refused: its partitions would never be fetched, so the next poll fails.
    let assignFailure = Mutex<KafkaError?>(nil)
    /// The topics the consumer subscribed to, to tell which one an error is about.
    let subscribedTopics = Mutex<[String]>([])
    /// The next offset to read per partition, when known: the offset it was assigned at, then the one after
    /// the last message delivered. Polling thread only (rebalances run there too).
    var positions: [TopicPartition: Int64] = [:]
    /// Per assigned partition, librdkafka's cached watermarks at the moment of its assignment: a figure
    /// still equal to it may be older than the assignment (the cache is updated by fetch responses only).
    /// Polling thread only.
    var watermarksAtAssignment: [TopicPartition: WatermarkSnapshot] = [:]
    /// Assigned partitions that delivered a message since their assignment, so that a fetch response of the
    /// assignment has arrived. Polling thread only.
    var fetchedSinceAssignment: Set<TopicPartition> = []

    /// Forgets the positions of partitions that move (assignment, revocation, seek).
    func forgetProgress(of partitions: some Sequence<TopicPartition>) {
        for partition in partitions { positions.removeValue(forKey: partition) }
    }

    /// Forgets what was known of partitions' logs when they stop being assigned.
    func forgetAssignment(of partitions: some Sequence<TopicPartition>) {
        for partition in partitions {
            watermarksAtAssignment.removeValue(forKey: partition)
            fetchedSinceAssignment.remove(partition)
        }
    }

    /// Takes an error librdkafka reports, as every client does; one that says a subscribed topic (or its ID)
    /// is unknown also tells the handler the topic is in doubt. librdkafka names the partition first in such a
    /// reason ("topic [0]: desired partition is no longer available").
    override func noteError(_ err: rd_kafka_resp_err_t, _ reason: String) {
        super.noteError(err, reason)
        guard !silenced.load(ordering: .acquiring), KafkaConsumer.doubtsTopic(err) else { return }
        for topic in subscribedTopics.withLock({ $0 }) where reason.hasPrefix("\(topic) [") {
            handler?.topicInDoubt(topic)
        }
    }

    init(logger: Logger, statisticsHandler: (@Sendable (String) -> Void)?) {
        self.statisticsHandler = statisticsHandler
        super.init(logger: logger)
    }

    func rebalance(
        client: OpaquePointer,
        err: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let cooperative = rd_kafka_rebalance_protocol(client).map { String(cString: $0) } == "COOPERATIVE"
        let list = TopicPartitionList.read(partitions)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let starts = handler?.partitionsAssigned(list) ?? [:]
            forgetProgress(of: list)
            forgetAssignment(of: list)
            for partition in list {
                watermarksAtAssignment[partition] = WatermarkSnapshot(
                    value: cachedWatermarks(client, partition))
            }
            if let partitions {
                for index in 0..<Int(partitions.pointee.cnt) {
                    let start = starts[list[index]] ?? .committed
                    partitions.pointee.elems[index].offset = start.librdkafkaOffset
                    if case .offset(let offset) = start { positions[list[index]] = offset }
                }
            }
            logger.info(
                "partitions assigned", metadata: ["partitions": "\(list.sorted())", "cooperative": "\(cooperative)"])
            if cooperative {
                if let error = rd_kafka_incremental_assign(client, partitions) {
                    let failure = KafkaError(code: .consume, consuming: error, context: "assign")
                    logger.error("incremental assign failed: \(failure)")
                    assignFailure.withLock { $0 = $0 ?? failure }
                }
            } else {
                let result = rd_kafka_assign(client, partitions)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    let failure = KafkaError(code: .consume, rdKafka: result, context: "assign")
                    logger.error("assign failed: \(failure)")
                    assignFailure.withLock { $0 = $0 ?? failure }
                }
            }
            assignment.withLock { owned in
                if !cooperative { owned.removeAll() }
                owned.formUnion(list)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(client) != 0
            logger.info("partitions revoked", metadata: ["partitions": "\(list.sorted())", "lost": "\(lost)"])
            handler?.partitionsRevoked(list, lost: lost)
            assignment.withLock { $0.subtract(list) }
            forgetProgress(of: list)
            forgetAssignment(of: list)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(client, partitions) {
                    logger.error(
                        "incremental unassign failed: \(KafkaError(code: .consume, consuming: error, context: "unassign"))"
                    )
                }
            } else {
                _ = rd_kafka_assign(client, nil)
            }
        default:
            logger.error("rebalance error: \(KafkaError(code: .consume, rdKafka: err, context: "rebalance"))")
            handler?.partitionsRevoked(list, lost: true)
            assignment.withLock { $0.removeAll() }
            positions.removeAll()
            watermarksAtAssignment.removeAll()
            fetchedSinceAssignment.removeAll()
            _ = rd_kafka_assign(client, nil)
        }
    }
}

/// A partition's cached watermarks at one moment, `nil` when librdkafka had none.
struct WatermarkSnapshot {
    let value: (low: Int64, high: Int64)?

    /// Whether `other` is the same figure.
    func matches(_ other: (low: Int64, high: Int64)) -> Bool {
        guard let value else { return false }
        return value.low == other.low && value.high == other.high
    }
}

/// librdkafka's cached low and high watermarks of a partition, from the last fetch response.
func cachedWatermarks(_ client: OpaquePointer, _ partition: TopicPartition) -> (low: Int64, high: Int64)? {
    var low: Int64 = -1
    var high: Int64 = -1
    let err = rd_kafka_get_watermark_offsets(client, partition.topic, partition.partition, &low, &high)
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
    return (low, high)
}

extension StartOffset {
    var librdkafkaOffset: Int64 {
        switch self {
        case .offset(let value): return value
        case .beginning: return LogicalOffset.beginning
        case .end: return LogicalOffset.end
        case .committed: return LogicalOffset.invalid
        }
    }
}

let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { client, err, partitions, opaque in
        guard let client, let opaque else { return }
        let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
        (context as? ConsumerContext)?.rebalance(client: client, err: err, partitions: partitions)
    }

let statisticsCallback:
    @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
        _, json, _, opaque in
        guard let json, let opaque else { return 0 }
        let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
        guard !context.silenced.load(ordering: .acquiring) else { return 0 }
        (context as? ConsumerContext)?.statisticsHandler?(String(cString: json))
        return 0
    }

let offsetCommitCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { _, err, _, opaque in
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET, let opaque else { return }
        let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
        guard !context.silenced.load(ordering: .acquiring) else { return }
        context.logger.warning(
            "Kafka offset commit failed: \(KafkaError(code: .commit, rdKafka: err, context: "commit"))")
    }
