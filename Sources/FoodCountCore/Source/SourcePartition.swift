/// A partition of an event stream: a topic and a partition number.
public struct SourcePartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32

    /// Creates a source partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Orders by topic, then by partition.
    public static func < (lhs: SourcePartition, rhs: SourcePartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// A readable form such as `message[3]`.
    public var description: String { "\(topic)[\(partition)]" }
}
