/// What a store holds for one partition: the next offset, the log it belongs to, and how many commits have
/// moved it, read together.
public struct StoredPosition: Sendable, Hashable {
    /// The next offset to read.
    public var next: Int64
    /// The identity of the log `next` belongs to (Kafka's topic ID), when stored.
    public var logID: String?
    /// How many commits have moved the partition's offset: a fencing token that only grows, so that a batch
    /// of a member that slept through a move back (a truncated log) is refused even where offsets match.
    /// `nil` for a store that keeps none.
    public var version: Int64?
    /// How many valid events of the partition the counts hold: the sum of every committed batch's
    /// ``CountBatch/OffsetAdvance/counted``, kept beside the offset in the same transaction. `nil` when unknown:
    /// a store that keeps no totals, or a partition counted before its store kept them (a total once unknown
    /// stays unknown until a rebuild writes an exact one).
    public var counted: Int64?

    /// Creates a stored position.
    public init(next: Int64, logID: String? = nil, version: Int64? = nil, counted: Int64? = nil) {
        self.next = next
        self.logID = logID
        self.version = version
        self.counted = counted
    }
}
