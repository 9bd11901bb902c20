import CRdKafka
import Synchronization

extension KafkaConsumer {
    /// Assigns partitions by hand, outside any group: for tools that read a log (an audit, a rebuild) without
    /// joining the consumers' group or committing anything. Fetching starts at each partition's start. Do not
    /// mix with ``subscribe(topics:handler:)``. Call on the poll owner's thread.
    /// - Parameter starts: Where each partition starts.
    public func assign(_ starts: [TopicPartition: StartOffset]) throws(KafkaError) {
        let list = TopicPartitionList.make(starts.map { ($0.key, $0.value.librdkafkaOffset) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let partitions = Array(starts.keys)
        context.forgetProgress(of: partitions)
        context.forgetAssignment(of: partitions)
        for partition in partitions {
            context.watermarksAtAssignment[partition] = WatermarkSnapshot(value: cachedWatermarks(for: partition))
        }
        let err = rd_kafka_assign(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .consume, rdKafka: err, context: "assign")
        }
        for case (let partition, .offset(let offset)) in starts { context.positions[partition] = offset }
        context.assignment.withLock { $0 = Set(partitions) }
    }
}
