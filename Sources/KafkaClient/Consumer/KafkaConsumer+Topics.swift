import CRdKafka
import Foundation

extension KafkaConsumer {
    /// What the broker says of a topic.
    public struct TopicDescription: Sendable, Equatable {
        /// The topic's ID (KIP-516, base64), which a recreated topic changes; `nil` when the broker has none.
        public var id: String?
        /// How many partitions the topic has.
        public var partitionCount: Int
    }

    /// Asks the broker to describe topics (a Metadata request, through librdkafka's admin API). Blocks up to
    /// `timeout`; call on a thread that may block.
    /// - Parameters:
    ///   - topics: The topics to describe.
    ///   - timeout: How long to wait for the broker.
    /// - Returns: The description of each topic that exists; a topic the broker does not know is left out.
    /// - Throws: A ``KafkaError`` with code ``KafkaError/Code/query`` when the request fails as a whole.
    public func describeTopics(_ topics: [String], timeout: Duration) throws(KafkaError) -> [String: TopicDescription] {
        guard !topics.isEmpty else { return [:] }
        let milliseconds = timeout.milliseconds
        let results = rd_kafka_queue_new(handle)!
        defer { rd_kafka_queue_destroy(results) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_DESCRIBETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var reason = [CChar](repeating: 0, count: 256)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &reason, reason.count)
        let names = topics.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = names.map { $0.map { UnsafePointer($0) } }
        let collection = rd_kafka_TopicCollection_of_topic_names(&pointers, pointers.count)
        defer { rd_kafka_TopicCollection_destroy(collection) }
        rd_kafka_DescribeTopics(handle, collection, options, results)
        guard let event = rd_kafka_queue_poll(results, milliseconds &+ 1_000) else {
            throw KafkaError(code: .timeout, message: "describing topics \(topics) timed out")
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let result = rd_kafka_event_DescribeTopics_result(event) else {
            throw KafkaError(code: .query, rdKafka: err, context: "describe topics \(topics)")
        }
        var count = 0
        guard let descriptions = rd_kafka_DescribeTopics_result_topics(result, &count) else { return [:] }
        var found: [String: TopicDescription] = [:]
        for index in 0..<count {
            guard let description = descriptions[index], rd_kafka_TopicDescription_error(description) == nil,
                let name = rd_kafka_TopicDescription_name(description)
            else { continue }
            var partitions = 0
            _ = rd_kafka_TopicDescription_partitions(description, &partitions)
            var id: String?
            if let uuid = rd_kafka_TopicDescription_topic_id(description),
                rd_kafka_Uuid_most_significant_bits(uuid) != 0 || rd_kafka_Uuid_least_significant_bits(uuid) != 0,
                let text = rd_kafka_Uuid_base64str(uuid)
            {
                id = String(cString: text)
            }
            found[String(cString: name)] = TopicDescription(id: id, partitionCount: partitions)
        }
        return found
    }
}
