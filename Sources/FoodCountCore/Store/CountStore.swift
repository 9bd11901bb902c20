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
