/// Receives partition assignment changes synchronously, on the thread that polls the consumer.
///
/// Both methods run inside ``KafkaConsumer/poll(maxMessages:timeout:)`` (or ``KafkaConsumer/close()``),
/// before librdkafka applies the change, so the handler can pick start offsets before fetching begins
/// and finish work for revoked partitions before another member may own them.
public protocol RebalanceHandler: AnyObject {
    /// Partitions were assigned to this member.
    ///
    /// - Parameter partitions: The newly assigned partitions (all of them for eager strategies, the
    ///   increment for cooperative ones).
    /// - Returns: Where each partition starts; partitions left out start at ``StartOffset/committed``.
    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: StartOffset]

    /// Partitions are being taken away from this member.
    ///
    /// - Parameters:
    ///   - partitions: The partitions being revoked.
    ///   - lost: `true` when the assignment was lost (for example after a session timeout): another
    ///     member may already own the partitions, so pending work must be dropped, not committed.
    func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool)

    /// The broker refused a partition's position (OFFSET_OUT_OF_RANGE). With
    /// ``KafkaConsumer/Configuration/reportsOutOfRange`` the partition stops fetching until it is moved;
    /// otherwise librdkafka has already moved it by `auto.offset.reset`. Called on the polling thread.
    /// - Parameter partition: The partition.
    func partitionOutOfRange(_ partition: TopicPartition)

    /// A fetch said a topic, or its ID, is unknown (deleted, or deleted and created again): until the topic's
    /// ID is known again, records fetched from it may be of another log than the one the handler thinks.
    /// Called on the polling thread.
    /// - Parameter topic: The topic.
    func topicInDoubt(_ topic: String)
}

extension RebalanceHandler {
    /// Implements ``partitionOutOfRange(_:)`` for handlers that leave it to `auto.offset.reset`: nothing.
    /// - Parameter partition: The partition.
    public func partitionOutOfRange(_ partition: TopicPartition) {}

    /// Implements ``topicInDoubt(_:)`` for handlers that do not care which log a topic has: nothing.
    /// - Parameter topic: The topic.
    public func topicInDoubt(_ topic: String) {}
}
