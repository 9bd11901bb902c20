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

    /// The stored offsets of these partitions with their log identities and versions, read together;
    /// partitions without one are left out. The default reads ``storedOffsets(for:)`` and
    /// ``storedLogIDs(for:)``, without versions.
    /// - Parameter partitions: The partitions to look up.
    func storedPositions(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: StoredPosition]

    /// Applies a batch in one transaction.
    ///
    /// Throws ``StoreError/Code/fenced`` when a partition's stored offset is not the batch's expected one
    /// (``CountBatch/OffsetAdvance/isExpected(_:)``: the offset, and where known the log and version), and
    /// then writes nothing. Each commit adds one to the version of every partition it moves.
    /// - Parameter batch: The deltas and offsets.
    func commit(_ batch: CountBatch) throws(StoreError)
}

extension CountStore {
    /// Implements ``CountStore/storedLogIDs(for:)`` for stores that keep no log identities: none.
    public func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        [:]
    }

    /// Implements ``CountStore/storedPositions(for:)`` from the offsets and log identities, without versions.
    public func storedPositions(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition:
        StoredPosition]
    {
        let offsets = try storedOffsets(for: partitions)
        let logIDs = try storedLogIDs(for: partitions)
        return offsets.reduce(into: [:]) { $0[$1.key] = StoredPosition(next: $1.value, logID: logIDs[$1.key]) }
    }
}
