import FoodCountCore
import Synchronization

/// A `CountStore` and `CountReader` in memory, with the same rules as the real stores (atomicity, fencing,
/// one consumer group per database), and hooks to inject failures.
///
/// Several stores may share one ``Database``, as the members of a consumer group share a real one; each
/// store belongs to one consumer group. The first commit records the database's owner group, and a store of
/// another group is refused, when it opens and when it commits (`StoreError.Code.inconsistent`).
public final class InMemoryCountStore: CountStore, CountReader, Sendable {
    /// What stores share: the counts, every group's offsets and log identities, the owner group.
    public final class Database: Sendable {
        fileprivate struct State {
            var counts: [String: Int64] = [:]
            var offsets: [String: [SourcePartition: Int64]] = [:]
            var logIDs: [String: [SourcePartition: String]] = [:]
            var versions: [String: [SourcePartition: Int64]] = [:]
            /// Each group's counted totals by partition; a partition with an offset but no total has an
            /// unknown one (an offset set from outside: ``InMemoryCountStore/init(offsets:group:)``).
            var totals: [String: [SourcePartition: Int64]] = [:]
            var owner: String?
            var commits: [CountBatch] = []
            var failures: [StoreError] = []
            var condition: StoreError.Code?
        }

        fileprivate let state = Mutex(State())

        /// Creates an empty database.
        public init() {}

        /// The counts by category.
        public var counts: [String: Int64] { state.withLock { $0.counts } }

        /// The consumer group the first commit recorded, if any commit was made.
        public var ownerGroup: String? { state.withLock { $0.owner } }

        /// A group's stored next offsets by partition.
        public func offsets(of group: String) -> [SourcePartition: Int64] {
            state.withLock { $0.offsets[group] ?? [:] }
        }

        /// A group's counted totals by partition (`StoredPosition.counted`): partitions whose total is
        /// unknown are left out.
        public func countedTotals(of group: String) -> [SourcePartition: Int64] {
            state.withLock { $0.totals[group] ?? [:] }
        }
    }

    /// The storage this store works on.
    public let database: Database
    /// The consumer group whose offsets this store keeps.
    public let group: String

    /// Creates a store over a new, empty database.
    /// - Parameters:
    ///   - offsets: Stored offsets to start with; their counted totals are unknown.
    ///   - group: The consumer group.
    public init(offsets: [SourcePartition: Int64] = [:], group: String = "foodcount") {
        database = Database()
        self.group = group
        database.state.withLock { $0.offsets[group] = offsets }
    }

    /// Opens a store of `group` over a database that other stores may share, with the real stores' check at
    /// start: the counts and this group's offsets must belong together.
    /// - Throws: `inconsistent` when another group owns the database, or when the counts hold events this
    ///   group has no offsets for (a renamed group, or a second one).
    public init(database: Database, group: String) throws(StoreError) {
        self.database = database
        self.group = group
        let refusal: StoreError? = database.state.withLock { state in
            if let owner = state.owner, owner != group { return Self.foreignGroup(group, owner: owner) }
            guard state.counts.values.contains(where: { $0 != 0 }), state.offsets[group, default: [:]].isEmpty
            else { return nil }
            return StoreError(
                code: .inconsistent,
                message: "consumer group '\(group)' has no stored offsets, but the counts already hold events")
        }
        if let refusal { throw refusal }
    }

    /// Makes the next `commit` calls fail with these errors, in order, writing nothing.
    /// - Parameter errors: The errors to throw.
    public func failNextCommits(with errors: [StoreError]) {
        database.state.withLock { $0.failures += errors }
    }

    /// Makes the store behave as a database in trouble until `nil` is set: every commit fails with this code
    /// and writes nothing, and for any code but `read_only` (a read-only database still
    /// reads) so do ``storedOffsets(for:)``, ``storedLogIDs(for:)`` and ``counts()``. This is what
    /// `CountStoreConformance` provokes for `busy`, `read_only` and `corrupt`.
    /// - Parameter code: The code to fail with, or `nil` to end the condition.
    public func simulate(_ code: StoreError.Code?) {
        database.state.withLock { $0.condition = code }
    }

    /// The counts by category.
    public var currentCounts: [String: Int64] { database.counts }
    /// This group's stored next offsets by partition.
    public var currentOffsets: [SourcePartition: Int64] { database.state.withLock { $0.offsets[group] ?? [:] } }
    /// Every batch committed so far to the database, in order.
    public var committedBatches: [CountBatch] { database.state.withLock { $0.commits } }

    /// Implements `CountStore.storedOffsets`.
    public func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        try reading { state in
            let offsets = state.offsets[group] ?? [:]
            return partitions.reduce(into: [:]) { result, partition in result[partition] = offsets[partition] }
        }
    }

    /// Implements `CountStore.storedLogIDs`.
    public func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        try reading { state in
            let logIDs = state.logIDs[group] ?? [:]
            return partitions.reduce(into: [:]) { result, partition in result[partition] = logIDs[partition] }
        }
    }

    /// Implements `CountStore.storedPositions`: offsets, log identities and versions in one read.
    public func storedPositions(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition:
        StoredPosition]
    {
        let group = group
        return try reading { state in state.positions(of: group, partitions) }
    }

    /// Implements `CountStore.commit`. Categories are kept in their canonical form, as the SQLite store
    /// keeps them (`CategoryForm`). The first commit records this store's group as the database's owner.
    public func commit(_ batch: CountBatch) throws(StoreError) {
        let group = group
        let result: Result<Void, StoreError> = database.state.withLock { state in
            if let code = state.condition { return .failure(Self.simulated(code)) }
            if !state.failures.isEmpty { return .failure(state.failures.removeFirst()) }
            if let owner = state.owner, owner != group { return .failure(Self.foreignGroup(group, owner: owner)) }
            let stored = state.positions(of: group, Array(batch.offsets.keys))
            let fenced = batch.offsets.filter { !$0.value.isExpected(stored[$0.key]) }.map(\.key)
            guard fenced.isEmpty else {
                return .failure(StoreError(code: .fenced, message: "stored offsets moved on", partitions: fenced))
            }
            for (category, delta) in batch.deltas {
                state.counts[CategoryForm.canonical(category), default: 0] += delta
            }
            for (partition, advance) in batch.offsets {
                // A first commit starts the total; a later one adds to it, and an unknown total stays unknown.
                if stored[partition] == nil {
                    state.totals[group, default: [:]][partition] = advance.counted
                } else if let total = state.totals[group]?[partition] {
                    state.totals[group, default: [:]][partition] = total + advance.counted
                }
                state.offsets[group, default: [:]][partition] = advance.next
                if let logID = advance.logID { state.logIDs[group, default: [:]][partition] = logID }
                state.versions[group, default: [:]][partition, default: 0] += 1
            }
            state.owner = state.owner ?? group
            state.commits.append(batch)
            return .success(())
        }
        try result.get()
    }

    /// Moves a partition's stored offset, as another consumer would (which adds one to its version), or as an
    /// operator's edit would: its counted total stays as it was (removing the offset removes the total).
    public func setOffset(_ offset: Int64?, for partition: SourcePartition) {
        let group = group
        database.state.withLock { state in
            state.offsets[group, default: [:]][partition] = offset
            if offset == nil { state.totals[group]?[partition] = nil }
            state.versions[group, default: [:]][partition, default: 0] += 1
        }
    }

    /// Implements `CountReader.counts`.
    public func counts() async throws(StoreError) -> [String: Int64] {
        try reading { $0.counts }
    }

    /// Reads the state, unless a simulated condition other than read-only forbids it.
    private func reading<Value: Sendable>(_ body: (Database.State) -> Value) throws(StoreError) -> Value {
        let result: Result<Value, StoreError> = database.state.withLock { state in
            if let code = state.condition, code != .readOnly { return .failure(Self.simulated(code)) }
            return .success(body(state))
        }
        return try result.get()
    }

    fileprivate static func simulated(_ code: StoreError.Code) -> StoreError {
        StoreError(code: code, message: "simulated: the in-memory store is in condition '\(code)'")
    }

    private static func foreignGroup(_ group: String, owner: String) -> StoreError {
        StoreError(
            code: .inconsistent,
            message:
                "the database's counts belong to consumer group '\(owner)', not '\(group)': a second group would count every event again"
        )
    }
}

extension InMemoryCountStore.Database.State {
    /// What a group stores for some partitions.
    fileprivate func positions(of group: String, _ partitions: [SourcePartition]) -> [SourcePartition: StoredPosition] {
        let offsets = self.offsets[group] ?? [:]
        var result: [SourcePartition: StoredPosition] = [:]
        for partition in partitions {
            guard let next = offsets[partition] else { continue }
            result[partition] = StoredPosition(
                next: next, logID: logIDs[group]?[partition], version: versions[group]?[partition] ?? 0,
                counted: totals[group]?[partition])
        }
        return result
    }
}
