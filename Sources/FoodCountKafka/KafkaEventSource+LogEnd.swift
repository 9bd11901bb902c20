import FoodCountCore
import KafkaClient
import Logging

extension KafkaEventSource {
    /// Restarts from the beginning every owned partition whose fetch position is past its log's end.
    ///
    /// That happens when the broker lost its log (an in-memory broker restarted, a topic was recreated)
    /// while the store kept offsets of the old one. Apache Kafka answers such a fetch with
    /// OFFSET_OUT_OF_RANGE and librdkafka resets by itself; some Kafka-compatible brokers just return
    /// nothing, so the position is compared with the high watermark of the last fetch response, a local
    /// and reliable figure (a ListOffsets query is not reliable on every broker).
    func restartPartitionsBeyondLogEnd() {
        var restarts: [TopicPartition: StartOffset] = [:]
        for (partition, position) in consumer.positions {
            guard let (_, high) = consumer.cachedWatermarks(for: partition), position > high else { continue }
            logger.warning(
                "fetch position is beyond the log end; the log was reset, restarting the partition from its beginning",
                metadata: [
                    "topic": "\(partition.topic)", "partition": "\(partition.partition)", "position": "\(position)",
                    "high_watermark": "\(high)",
                ])
            restarts[partition] = .beginning
        }
        guard !restarts.isEmpty else { return }
        do {
            try consumer.seek(restarts)  // which forgets their positions
        } catch {
            logger.warning("cannot restart partitions beyond the log end", metadata: ["error": "\(error)"])
        }
    }
}
