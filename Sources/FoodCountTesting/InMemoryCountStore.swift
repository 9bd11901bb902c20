import FoodCountCore
import Synchronization

/// A `CountStore` and `CountReader` in memory, with the same atomicity and fencing rules as the real
/// store, and hooks to inject failures.
public final class InMemoryCountStore: CountStore, CountReader, Sendable {
    private struct State {
        var counts: [String: Int64] = [:]
        var offsets: [SourcePartition: Int64] = [:]
        var logIDs: [SourcePartition: String] = [:]
        var commits: [CountBatch] = []
        var failures: [StoreError] = []
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    /// - Parameter offsets: Stored offsets to start with.
    public init(offsets: [SourcePartition: Int64] = [:]) {
        state.withLock { $0.offsets = offsets }
    }

    /// Makes the next `commit` calls fail with these errors, in order, writing nothing.
    /// - Parameter errors: The errors to throw.
    public func failNextCommits(with errors: [StoreError]) {
        state.withLock { $0.failures += errors }
    }

    /// The counts by category.
    public var currentCounts: [String: Int64] { state.withLock { $0.counts } }
    /// The stored next offsets by partition.
    public var currentOffsets: [SourcePartition: Int64] { state.withLock { $0.offsets } }
    /// Every batch committed so far, in order.
    public var committedBatches: [CountBatch] { state.withLock { $0.commits } }

    /// Implements `CountStore.storedOffsets`.
    public func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        state.withLock { state in
            partitions.reduce(into: [:]) { result, partition in result[partition] = state.offsets[partition] }
        }
    }

    /// Implements `CountStore.storedLogIDs`.
    public func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        state.withLock { state in
            partitions.reduce(into: [:]) { result, partition in result[partition] = state.logIDs[partition] }
        }
    }

    /// Implements `CountStore.commit`. Categories are kept in their canonical form, as the SQLite store
    /// keeps them (`CategoryForm`).
    public func commit(_ batch: CountBatch) throws(StoreError) {
        let result: Result<Void, StoreError> = state.withLock { state in
            if !state.failures.isEmpty { return .failure(state.failures.removeFirst()) }
            let fenced = batch.offsets.filter { state.offsets[$0.key] != $0.value.expected }.map(\.key)
            guard fenced.isEmpty else {
                return .failure(StoreError(code: .fenced, message: "stored offsets moved on", partitions: fenced))
            }
            for (category, delta) in batch.deltas {
                state.counts[CategoryForm.canonical(category), default: 0] += delta
            }
            for (partition, advance) in batch.offsets {
                state.offsets[partition] = advance.next
                if let logID = advance.logID { state.logIDs[partition] = logID }
            }
            state.commits.append(batch)
            return .success(())
        }
        try result.get()
    }

    /// Moves a partition's stored offset, as another consumer would.
    public func setOffset(_ offset: Int64?, for partition: SourcePartition) {
        state.withLock { $0.offsets[partition] = offset }
    }

    /// Implements `CountReader.counts`.
    public func counts() async throws(StoreError) -> [String: Int64] {
        currentCounts
    }
}
