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
        var condition: StoreError.Code?
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

    /// Makes the store behave as a database in trouble until `nil` is set: every commit fails with this code
    /// and writes nothing, and for any code but `read_only` (a read-only database still
    /// reads) so do ``storedOffsets(for:)``, ``storedLogIDs(for:)`` and ``counts()``. This is what
    /// `CountStoreConformance` provokes for `busy`, `read_only` and `corrupt`.
    /// - Parameter code: The code to fail with, or `nil` to end the condition.
    public func simulate(_ code: StoreError.Code?) {
        state.withLock { $0.condition = code }
    }

    /// The counts by category.
    public var currentCounts: [String: Int64] { state.withLock { $0.counts } }
    /// The stored next offsets by partition.
    public var currentOffsets: [SourcePartition: Int64] { state.withLock { $0.offsets } }
    /// Every batch committed so far, in order.
    public var committedBatches: [CountBatch] { state.withLock { $0.commits } }

    /// Implements `CountStore.storedOffsets`.
    public func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        try reading { state in
            partitions.reduce(into: [:]) { result, partition in result[partition] = state.offsets[partition] }
        }
    }

    /// Implements `CountStore.storedLogIDs`.
    public func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        try reading { state in
            partitions.reduce(into: [:]) { result, partition in result[partition] = state.logIDs[partition] }
        }
    }

    /// Implements `CountStore.commit`. Categories are kept in their canonical form, as the SQLite store
    /// keeps them (`CategoryForm`).
    public func commit(_ batch: CountBatch) throws(StoreError) {
        let result: Result<Void, StoreError> = state.withLock { state in
            if let code = state.condition { return .failure(Self.simulated(code)) }
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
        try reading { $0.counts }
    }

    /// Reads the state, unless a simulated condition other than read-only forbids it.
    private func reading<Value: Sendable>(_ body: (State) -> Value) throws(StoreError) -> Value {
        let result: Result<Value, StoreError> = state.withLock { state in
            if let code = state.condition, code != .readOnly { return .failure(Self.simulated(code)) }
            return .success(body(state))
        }
        return try result.get()
    }

    private static func simulated(_ code: StoreError.Code) -> StoreError {
        StoreError(code: code, message: "simulated: the in-memory store is in condition '\(code)'")
    }
}
