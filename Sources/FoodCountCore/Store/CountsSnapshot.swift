/// What a store's counts and stored offsets held at one moment, read together: what the operator commands
/// (`foodcount audit`, `offsets`) compare with the log.
public struct CountsSnapshot: Sendable {
    /// One stored offset.
    public struct StoredOffset: Sendable, Hashable {
        /// The consumer group.
        public var group: String
        /// The partition.
        public var partition: SourcePartition
        /// The next offset to read.
        public var next: Int64
        /// The topic ID the offset belongs to, when stored.
        public var topicID: String?

        /// Creates a row.
        /// - Parameters:
        ///   - group: The consumer group.
        ///   - partition: The partition.
        ///   - next: The next offset to read.
        ///   - topicID: The topic ID the offset belongs to.
        public init(group: String, partition: SourcePartition, next: Int64, topicID: String?) {
            self.group = group
            self.partition = partition
            self.next = next
            self.topicID = topicID
        }
    }

    /// The counts by category, canonically equal rows summed (``CategoryForm``).
    public var counts: [String: Int64]
    /// Every stored offset, of every group.
    public var offsets: [StoredOffset]

    /// Creates a snapshot.
    /// - Parameters:
    ///   - counts: The counts by category.
    ///   - offsets: The stored offsets.
    public init(counts: [String: Int64], offsets: [StoredOffset]) {
        self.counts = counts
        self.offsets = offsets
    }

    /// One group's stored offsets of one topic, by partition.
    /// - Parameters:
    ///   - group: The consumer group.
    ///   - topic: The topic.
    public func storedOffsets(group: String, topic: String) -> [Int32: Int64] {
        var stored: [Int32: Int64] = [:]
        for row in offsets where row.group == group && row.partition.topic == topic {
            stored[row.partition.partition] = row.next
        }
        return stored
    }
}
