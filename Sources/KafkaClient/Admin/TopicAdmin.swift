import CRdKafka
import Foundation
import Synchronization

/// What the broker says of a topic.
public struct TopicDescription: Sendable, Equatable {
    /// The topic's ID (KIP-516, base64), which a recreated topic changes; `nil` when the broker has none.
    public var id: String?
    /// How many partitions the topic has.
    public var partitionCount: Int
}

/// Topic metadata and creation through librdkafka's admin API, on any client's handle: the consumer's and
/// the producer's methods call these. They block up to their timeout; call them on a thread that may block.
enum TopicAdmin {
    /// Describes topics (a Metadata request); topics the broker does not know are left out.
    static func describe(
        _ topics: [String], timeout: Duration, on client: OpaquePointer, _ context: ClientContext
    ) throws(KafkaError) -> [String: TopicDescription] {
        guard !topics.isEmpty else { return [:] }
        let names = topics.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = names.map { $0.map { UnsafePointer($0) } }
        let collection = rd_kafka_TopicCollection_of_topic_names(&pointers, pointers.count)
        defer { rd_kafka_TopicCollection_destroy(collection) }
        let event = try request(RD_KAFKA_ADMIN_OP_DESCRIBETOPICS, "describe topics \(topics)", timeout, client, context)
        {
            options, queue in rd_kafka_DescribeTopics(client, collection, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        guard let result = rd_kafka_event_DescribeTopics_result(event) else { return [:] }
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

    /// Creates a topic with the broker's default replication; an existing topic is not an error.
    static func create(
        _ topic: String, partitions: Int, timeout: Duration, on client: OpaquePointer, _ context: ClientContext
    ) throws(KafkaError) {
        var reason = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(topic, Int32(partitions), -1, &reason, reason.count) else {
            throw KafkaError(code: .invalidConfiguration, message: "topic \(topic): \(String(cString: reason))")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        var topics: [OpaquePointer?] = [newTopic]
        let event = try request(RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topic \(topic)", timeout, client, context) {
            options, queue in rd_kafka_CreateTopics(client, &topics, 1, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count), count > 0, let first = results[0]
        else { return }
        let err = rd_kafka_topic_result_error(first)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else {
            throw KafkaError(code: .query, rdKafka: err, context: "create topic \(topic)", topic: topic)
        }
    }

    /// Runs one admin request with a result queue of its own and returns its result event. Ends early when the
    /// broker refuses the client's credentials or TLS handshake, which librdkafka would retry until the timeout.
    static func request(
        _ operation: rd_kafka_admin_op_t, _ what: String, _ timeout: Duration, _ client: OpaquePointer,
        _ clientContext: ClientContext, _ send: (OpaquePointer?, OpaquePointer?) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        let milliseconds = timeout.milliseconds
        let results = rd_kafka_queue_new(client)
        defer { rd_kafka_queue_destroy(results) }
        let options = rd_kafka_AdminOptions_new(client, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var reason = [CChar](repeating: 0, count: 256)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &reason, reason.count)
        send(options, results)
        let deadline = ContinuousClock.now + timeout + .seconds(1)
        var answer: OpaquePointer?
        while answer == nil {
            if let refusal = clientContext.connectionRefusal.withLock({ $0 }) { throw refusal }
            guard ContinuousClock.now < deadline else { throw KafkaError(code: .timeout, message: "\(what) timed out") }
            answer = rd_kafka_queue_poll(results, 100)
        }
        guard let event = answer else { throw KafkaError(code: .timeout, message: "\(what) timed out") }
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            rd_kafka_event_destroy(event)
            throw KafkaError(
                code: .query, message: "\(what): \(text)", rdKafkaCode: err.rawValue,
                rdKafkaName: String(cString: rd_kafka_err2name(err)))
        }
        return event
    }
}

/// The state of a consumer group, as its coordinator reports it.
public enum ConsumerGroupState: String, Sendable {
    /// No member: nobody consumes for the group.
    case empty
    /// The group does not exist (any more).
    case dead
    /// Members are joining or rebalancing.
    case rebalancing
    /// Members consume.
    case stable
    /// The coordinator did not say.
    case unknown

    /// Whether members of the group may be consuming now.
    public var hasMembers: Bool { self == .rebalancing || self == .stable || self == .unknown }
}

extension TopicAdmin {
    /// Asks the group coordinator for a consumer group's state.
    static func groupState(
        _ group: String, timeout: Duration, on client: OpaquePointer, _ context: ClientContext
    ) throws(KafkaError) -> ConsumerGroupState {
        let name = strdup(group)
        defer { free(name) }
        var names: [UnsafePointer<CChar>?] = [UnsafePointer(name)]
        let event = try request(
            RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, "describe group \(group)", timeout, client, context
        ) {
            options, queue in rd_kafka_DescribeConsumerGroups(client, &names, 1, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_DescribeConsumerGroups_result(event),
            let groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &count), count > 0, let first = groups[0]
        else { return .unknown }
        if let error = rd_kafka_ConsumerGroupDescription_error(first) {
            let code = rd_kafka_error_code(error)
            if code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND { return .dead }
            throw KafkaError(code: .query, rdKafka: code, context: "describe group \(group)")
        }
        switch rd_kafka_ConsumerGroupDescription_state(first) {
        case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: return .empty
        case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: return .dead
        case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: return .stable
        case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE, RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
            return .rebalancing
        default: return .unknown
        }
    }
}

extension KafkaConsumer {
    /// Asks the group coordinator for a consumer group's state (another group than this consumer's, typically).
    /// Blocks up to `timeout`; safe from any thread.
    public func groupState(_ group: String, timeout: Duration) throws(KafkaError) -> ConsumerGroupState {
        try handleGuard.use("describe group") { () throws(KafkaError) in
            try TopicAdmin.groupState(group, timeout: timeout, on: handle, context)
        }
    }

    /// Asks the broker to describe topics. Blocks up to `timeout`; safe from any thread.
    /// - Returns: The description of each topic that exists; a topic the broker does not know is left out.
    public func describeTopics(_ topics: [String], timeout: Duration) throws(KafkaError) -> [String: TopicDescription] {
        try handleGuard.use("describe topics") { () throws(KafkaError) in
            try TopicAdmin.describe(topics, timeout: timeout, on: handle, context)
        }
    }

    /// Creates a topic (an existing one is not an error). Blocks up to `timeout`; safe from any thread.
    public func createTopic(_ topic: String, partitions: Int, timeout: Duration) throws(KafkaError) {
        try handleGuard.use("create a topic") { () throws(KafkaError) in
            try TopicAdmin.create(topic, partitions: partitions, timeout: timeout, on: handle, context)
        }
    }
}

extension KafkaProducer {
    /// Asks the broker to describe topics. Blocks up to `timeout`; safe from any thread.
    /// - Returns: The description of each topic that exists; a topic the broker does not know is left out.
    public func describeTopics(_ topics: [String], timeout: Duration) throws(KafkaError) -> [String: TopicDescription] {
        try handleGuard.use("describe topics") { () throws(KafkaError) in
            try TopicAdmin.describe(topics, timeout: timeout, on: handle, context)
        }
    }

    /// Creates a topic (an existing one is not an error). Blocks up to `timeout`; safe from any thread.
    public func createTopic(_ topic: String, partitions: Int, timeout: Duration) throws(KafkaError) {
        try handleGuard.use("create a topic") { () throws(KafkaError) in
            try TopicAdmin.create(topic, partitions: partitions, timeout: timeout, on: handle, context)
        }
    }
}
