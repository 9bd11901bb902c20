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

    /// All counts by category, with a version that changes whenever they may have changed (an HTTP entity
    /// tag). The default has no version.
    func versionedCounts() async throws(StoreError) -> (counts: [String: Int64], version: String?)

    /// The version ``versionedCounts()`` would give now, read without the counts; `nil` when the reader keeps
    /// none. The default keeps none.
    func currentVersion() async throws(StoreError) -> String?
}

extension CountReader {
    /// Implements ``CountReader/versionedCounts()`` for readers that keep no version.
    public func versionedCounts() async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        (try await counts(), nil)
    }

    /// Implements ``CountReader/currentVersion()`` for readers that keep no version.
    public func currentVersion() async throws(StoreError) -> String? { nil }
}
