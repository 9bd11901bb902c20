import CoreMetrics
import FoodCountCore
import KafkaClient
import Logging

extension KafkaEventSource {
    /// Moves every owned partition whose fetch position is past its log's end, as a fetch response that
    /// arrived after the partition's assignment shows it (``KafkaConsumer/freshWatermarks(for:)``).
    ///
    /// That happens when the broker lost its log (an in-memory broker restarted, a topic was recreated)
    /// while the store kept offsets of the old one. Apache Kafka answers such a fetch with
    /// OFFSET_OUT_OF_RANGE and librdkafka resets by itself; some Kafka-compatible brokers just return
    /// nothing, so the position is compared with the high watermark of a fetch response. Never with an
    /// older figure: librdkafka keeps the watermarks of a partition's last fetch across assignments, and a
    /// partition handed back to this member after others read it on would look past its end.
    ///
    /// Where the partition started in the log its offset was stored for (same topic ID), the log lost its
    /// tail: the partition continues at the new end, and nothing it counted is counted again. Otherwise the
    /// log was recreated without a topic ID to tell: the partition restarts from its beginning.
    func restartPartitionsBeyondLogEnd() {
        var restarts: [TopicPartition: StartOffset] = [:]
        for (partition, position) in consumer.positions {
            guard let (_, high) = consumer.freshWatermarks(for: partition), position > high else { continue }
            let metadata: Logger.Metadata = [
                "topic": "\(partition.topic)", "partition": "\(partition.partition)", "position": "\(position)",
                "high_watermark": "\(high)",
            ]
            if startedInSameLog.contains(partition) {
                logger.warning(
                    "fetch position is beyond the end of the same log (same topic ID): the log lost its tail; continuing at its new end, recounting nothing",
                    metadata: metadata)
                LogResetMetrics.truncated.increment()
                restarts[partition] = .offset(high)
            } else {
                logger.warning(
                    "fetch position is beyond the log end; the log was reset, restarting the partition from its beginning",
                    metadata: metadata)
                LogResetMetrics.beyondEnd.increment()
                restarts[partition] = .beginning
            }
        }
        guard !restarts.isEmpty else { return }
        do {
            try consumer.seek(restarts)  // which forgets their positions
            startedInSameLog.subtract(restarts.keys)
        } catch {
            logger.warning("cannot restart partitions beyond the log end", metadata: ["error": "\(error)"])
        }
    }
}

/// `foodcount_log_resets_total` by reason, for the resets the Kafka source makes or sees.
enum LogResetMetrics {
    /// The same log lost its tail: continued at its new end.
    static let truncated = Counter(.logResets, "log_truncated")
    /// Past the end of a log that may have been recreated: restarted from its beginning.
    static let beyondEnd = Counter(.logResets, "beyond_log_end")
    /// The broker answered OFFSET_OUT_OF_RANGE; librdkafka reset by `auto.offset.reset`.
    static let outOfRange = Counter(.logResets, "offset_out_of_range")
}
