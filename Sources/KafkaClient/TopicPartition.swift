/// A partition of a topic.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32

    /// Creates a topic partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Orders by topic, then by partition.
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// A readable form such as `message[3]`.
    public var description: String { "\(topic)[\(partition)]" }
}

/// Where a newly assigned partition starts fetching.
public enum StartOffset: Sendable, Hashable {
    /// Start at this exact offset (the next offset to read).
    case offset(Int64)
    /// Start at the oldest offset the broker still has.
    case beginning
    /// Start after the newest message.
    case end
    /// Start at the offset committed to Kafka for the group, else follow `auto.offset.reset`.
    case committed
}
