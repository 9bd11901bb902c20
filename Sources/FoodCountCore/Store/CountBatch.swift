/// Everything one flush writes in one transaction: count deltas and the progress that produced them.
public struct CountBatch: Sendable, Equatable {
    /// How a partition's stored next offset moves.
    public struct OffsetAdvance: Sendable, Hashable {
        /// The next offset the store is expected to hold now, or `nil` if it holds none. A store that finds
        /// anything else must refuse the batch: another member has moved on (fencing).
        public var expected: Int64?
        /// The identity of the log the store is expected to hold `expected` for, when the member knows it. A
        /// store that holds another identity must refuse the batch too, even where the offset matches: the
        /// same number in another log is another position (a member behind a recreated topic's new owner).
        public var expectedLogID: String?
        /// The version the store is expected to hold (``StoredPosition/version``), when the member knows it:
        /// a store that holds another must refuse the batch.
        public var expectedVersion: Int64?
        /// The new next offset to store.
        public var next: Int64
        /// The identity of the log `next` belongs to (Kafka's topic ID), when the source knows it; the store
        /// keeps it with the offset, so that a recreated log is told from an old figure (`nil` keeps the
        /// stored one).
        public var logID: String?
        /// How many valid events of the partition the batch counts into the category counts (invalid and
        /// dead-lettered records are not among them). The store adds it to the partition's counted total
        /// (``StoredPosition/counted``) in the same transaction as the offset, so that the total always says
        /// how many of the partition's events the counts hold.
        public var counted: Int64

        /// Creates an advance.
        public init(
            expected: Int64?, next: Int64, logID: String? = nil, expectedLogID: String? = nil,
            expectedVersion: Int64? = nil, counted: Int64 = 0
        ) {
            self.expected = expected
            self.next = next
            self.logID = logID
            self.expectedLogID = expectedLogID
            self.expectedVersion = expectedVersion
            self.counted = counted
        }

        /// Whether a store holding `stored` (`nil`: nothing) is where this advance expects it: the same offset,
        /// and the same log and version where both sides know them.
        public func isExpected(_ stored: StoredPosition?) -> Bool {
            guard stored?.next == expected else { return false }
            if let expectedLogID, let logID = stored?.logID, logID != expectedLogID { return false }
            if let expectedVersion, let version = stored?.version, version != expectedVersion { return false }
            return true
        }
    }

    /// Count increments by category.
    public var deltas: [String: Int64]
    /// Offset advances by partition.
    public var offsets: [SourcePartition: OffsetAdvance]
    /// How many events the batch covers (valid or not).
    public var eventCount: Int

    /// Creates a batch.
    public init(deltas: [String: Int64] = [:], offsets: [SourcePartition: OffsetAdvance] = [:], eventCount: Int = 0) {
        self.deltas = deltas
        self.offsets = offsets
        self.eventCount = eventCount
    }
}
