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
    ///
    /// librdkafka keeps this figure across assignments: a partition handed back to this member still shows
    /// the watermarks of its last fetch here, however far other members have read since. Decide nothing on
    /// it for an assigned partition; use ``freshWatermarks(for:)``.
    /// - Parameter partition: The partition.
    public func cachedWatermarks(for partition: TopicPartition) -> (low: Int64, high: Int64)? {
        let handle = self.handle
        return
            (try? handleGuard.use("read watermarks") { () throws(KafkaError) in
                KafkaClient.cachedWatermarks(handle, partition)
            }) ?? nil
    }

    /// The watermarks of an assigned partition from a fetch response that arrived after its assignment, or
    /// `nil` while none is known to have. A figure is known to be that recent when a message of the
    /// partition was delivered since the assignment, or when it differs from the one cached at the
    /// assignment (librdkafka updates it from fetch responses only). Call on the poll owner's thread.
    /// - Parameter partition: An assigned partition.
    public func freshWatermarks(for partition: TopicPartition) -> (low: Int64, high: Int64)? {
        guard let current = cachedWatermarks(for: partition) else { return nil }
        if context.fetchedSinceAssignment.contains(partition) { return current }
        guard let snapshot = context.watermarksAtAssignment[partition], !snapshot.matches(current) else { return nil }
        return current
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
        for case (let partition, .offset(let offset)) in offsets { context.positions[partition] = offset }
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
