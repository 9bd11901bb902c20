import CRdKafka

/// Helpers for `rd_kafka_topic_partition_list_t`.
enum TopicPartitionList {
    /// Reads the topic partitions of a list.
    static func read(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        guard let list else { return [] }
        let count = Int(list.pointee.cnt)
        var result: [TopicPartition] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let element = list.pointee.elems[index]
            result.append(TopicPartition(topic: String(cString: element.topic), partition: element.partition))
        }
        return result
    }

    /// Makes a new list of partitions with offsets; the caller destroys it.
    static func make(_ offsets: [(TopicPartition, Int64)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(clamping: offsets.count))!
        for (topicPartition, offset) in offsets {
            let element = rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition)!
            element.pointee.offset = offset
        }
        return list
    }
}

/// librdkafka's logical offsets.
enum LogicalOffset {
    static let beginning: Int64 = -2
    static let end: Int64 = -1
    static let stored: Int64 = -1000
    static let invalid: Int64 = -1001
}
