import Foundation

/// The parts of librdkafka's statistics document (`statistics.interval.ms`) that health and lag need.
///
/// See librdkafka's STATISTICS.md for the full document.
public struct KafkaStatistics: Sendable, Hashable {
    /// One broker connection.
    public struct Broker: Sendable, Hashable {
        /// The broker's name, `host:port/id`.
        public var name: String
        /// The broker id; negative for bootstrap and logical (coordinator) connections.
        public var nodeID: Int
        /// The connection state, `UP` when connected.
        public var state: String
        /// Time since the last bytes were received, or `nil` when nothing was received yet.
        public var receiveIdle: Duration?
    }

    /// One partition as the client sees it.
    public struct Partition: Sendable, Hashable {
        /// The topic.
        public var topic: String
        /// The partition.
        public var partition: Int32
        /// The high watermark from the last fetch response, or `nil` when unknown.
        public var highWatermark: Int64?
        /// The offset committed to Kafka, or `nil` when unknown.
        public var committedOffset: Int64?
    }

    /// The broker connections.
    public var brokers: [Broker]
    /// The partitions the client fetches or knows of.
    public var partitions: [Partition]
    /// The group state (`up` when a coordinator is known), or `nil` for a consumer without a group.
    public var groupState: String?
    /// The group join state (`steady` when joined with an assignment applied).
    public var groupJoinState: String?

    /// Parses a statistics document.
    /// - Parameter json: The JSON text librdkafka emitted.
    public init(json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw KafkaError(code: .query, message: "statistics are not a JSON object")
        }
        brokers = (object["brokers"] as? [String: Any] ?? [:]).values.compactMap { value in
            guard let broker = value as? [String: Any] else { return nil }
            let idle = (broker["rxidle"] as? NSNumber)?.int64Value ?? -1
            return Broker(
                name: broker["name"] as? String ?? "",
                nodeID: (broker["nodeid"] as? NSNumber)?.intValue ?? -1,
                state: broker["state"] as? String ?? "",
                receiveIdle: idle >= 0 ? .microseconds(idle) : nil)
        }
        var partitions: [Partition] = []
        for (topic, value) in object["topics"] as? [String: Any] ?? [:] {
            let entries = (value as? [String: Any])?["partitions"] as? [String: Any] ?? [:]
            for case let entry as [String: Any] in entries.values {
                let number = (entry["partition"] as? NSNumber)?.int32Value ?? -1
                guard number >= 0 else { continue }  // -1 is librdkafka's internal UA partition
                let high = (entry["hi_offset"] as? NSNumber)?.int64Value ?? -1
                let committed = (entry["committed_offset"] as? NSNumber)?.int64Value ?? -1
                partitions.append(
                    Partition(
                        topic: topic, partition: number, highWatermark: high >= 0 ? high : nil,
                        committedOffset: committed >= 0 ? committed : nil))
            }
        }
        self.partitions = partitions
        let group = object["cgrp"] as? [String: Any]
        groupState = group?["state"] as? String
        groupJoinState = group?["join_state"] as? String
    }

    /// Whether some real broker is connected and answered within `maxIdle`.
    /// - Parameter maxIdle: The longest silence still counted as reachable.
    public func isBrokerReachable(maxIdle: Duration) -> Bool {
        brokers.contains { broker in
            broker.nodeID >= 0 && broker.state == "UP" && (broker.receiveIdle.map { $0 <= maxIdle } ?? false)
        }
    }

    /// Whether the consumer is a settled member of its group.
    public var isInGroup: Bool { groupState == "up" && groupJoinState == "steady" }
}
