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
        /// How many valid events of the partition the counts hold (``StoredPosition/counted``), read with the
        /// counts; `nil` when unknown (counted before the store kept totals).
        public var counted: Int64?

        /// Creates a row.
        /// - Parameters:
        ///   - group: The consumer group.
        ///   - partition: The partition.
        ///   - next: The next offset to read.
        ///   - topicID: The topic ID the offset belongs to.
        ///   - counted: The partition's counted total, when known.
        public init(group: String, partition: SourcePartition, next: Int64, topicID: String?, counted: Int64? = nil) {
            self.group = group
            self.partition = partition
            self.next = next
            self.topicID = topicID
            self.counted = counted
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
