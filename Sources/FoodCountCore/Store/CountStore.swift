/// The repository the pipeline writes to: counts and consumer progress, committed together.
///
/// Implementations must apply ``commit(_:)`` atomically: the deltas and the offsets of a batch are either
/// all durable or none is. Methods block and are called from the pipeline's thread.
public protocol CountStore: AnyObject, Sendable {
    /// The stored next offsets for these partitions; partitions without one are left out.
    /// - Parameter partitions: The partitions to look up.
    func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64]

    /// The identity of the log each stored offset belongs to (``CountBatch/OffsetAdvance/logID``); partitions
    /// without one are left out. The default keeps none.
    /// - Parameter partitions: The partitions to look up.
    func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String]

    /// Applies a batch in one transaction.
    ///
    /// Throws ``StoreError/Code/fenced`` when a partition's stored offset is not the batch's expected one,
    /// and then writes nothing.
    /// - Parameter batch: The deltas and offsets.
    func commit(_ batch: CountBatch) throws(StoreError)
}

extension CountStore {
    /// Implements ``CountStore/storedLogIDs(for:)`` for stores that keep no log identities: none.
    public func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        [:]
    }
}

/// Reads the counts served by the API.
public protocol CountReader: Sendable {
    /// All counts by category.
    func counts() async throws(StoreError) -> [String: Int64]
}
