import CRdKafka

extension KafkaConsumer {
    /// The next offset to fetch for each partition, as the consumer knows it locally (no broker call).
    /// Partitions without a known position are left out.
    /// - Parameter partitions: Assigned partitions.
    public func positions(of partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let list = TopicPartitionList.make(partitions.map { ($0, LogicalOffset.invalid) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_position(handle, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
        var result: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            if element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 {
                result[partitions[index]] = element.offset
            }
        }
        return result
    }

    /// The low and high watermarks last reported in a fetch response (no broker call), or `nil` before the
    /// first fetch response for that partition.
    /// - Parameter partition: The partition.
    public func cachedWatermarks(for partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// Moves the fetch position of assigned partitions. Messages already fetched for them are discarded.
    /// - Parameters:
    ///   - offsets: Where each partition continues.
    ///   - timeout: How long to wait for the seek to apply; zero returns at once.
    public func seek(_ offsets: [TopicPartition: StartOffset], timeout: Duration = .seconds(5)) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets.map { ($0.key, $0.value.librdkafkaOffset) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, Int32(timeout.milliseconds)) {
            throw KafkaError(code: .consume, consuming: error, context: "seek")
        }
        forgetProgress(of: offsets.keys)
    }
}

extension KafkaConsumer {
    /// Stops fetching partitions; polling goes on serving the group (heartbeats, rebalances).
    /// - Parameter partitions: Assigned partitions.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try changePause(partitions, pause: true)
    }

    /// Resumes fetching paused partitions.
    /// - Parameter partitions: Paused partitions.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try changePause(partitions, pause: false)
    }

    private func changePause(_ partitions: [TopicPartition], pause: Bool) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let list = TopicPartitionList.make(partitions.map { ($0, LogicalOffset.invalid) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = pause ? rd_kafka_pause_partitions(handle, list) : rd_kafka_resume_partitions(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .consume, rdKafka: err, context: pause ? "pause" : "resume")
        }
    }
}
