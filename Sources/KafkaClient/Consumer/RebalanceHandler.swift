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

    /// librdkafka reset a partition's position by `auto.offset.reset` (see the default implementation).
    /// - Parameter partition: The partition whose position was reset.
    func partitionWasReset(_ partition: TopicPartition)
}

extension RebalanceHandler {
    /// librdkafka moved a partition's position by `auto.offset.reset`, because the broker answered a fetch
    /// with OFFSET_OUT_OF_RANGE (the log no longer holds the position). Called on the polling thread. The
    /// default does nothing.
    /// - Parameter partition: The partition whose position was reset.
    public func partitionWasReset(_ partition: TopicPartition) {}
}
