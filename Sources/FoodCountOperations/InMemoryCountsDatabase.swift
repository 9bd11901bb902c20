import FoodCountCore
import Synchronization

/// A ``CountsDatabase`` in memory, for tests of the operator commands' logic.
public final class InMemoryCountsDatabase: CountsDatabase {
    private struct State {
        var snapshot = CountsSnapshot(counts: [:], offsets: [])
        var locked = false
    }

    private let state = Mutex(State())
    private let group: String

    /// Creates a database of one consumer group.
    /// - Parameters:
    ///   - group: The group whose offsets ``replace(with:)`` writes.
    ///   - snapshot: What it holds at first.
    public init(group: String, holding snapshot: CountsSnapshot = CountsSnapshot(counts: [:], offsets: [])) {
        self.group = group
        state.withLock { $0.snapshot = snapshot }
    }

    /// Implements ``CountsDatabase/snapshot()``.
    public func snapshot() throws(StoreError) -> CountsSnapshot {
        state.withLock { $0.snapshot }
    }

    /// Implements ``CountsDatabase/lockForRewrite()``: one holder at a time.
    public func lockForRewrite() throws(StoreError) -> any CountsDatabaseLock {
        let taken = state.withLock { state in
            defer { state.locked = true }
            return !state.locked
        }
        guard taken else { throw StoreError(code: .busy, message: "the in-memory database is locked") }
        return Lock(database: self)
    }

    /// Implements ``CountsDatabase/replace(with:)``: the counts become the batch's deltas, the offsets the
    /// group's new ones, each with its advance's counted total.
    public func replace(with rebuilt: CountBatch) throws(StoreError) {
        let group = self.group
        state.withLock { state in
            var counts: [String: Int64] = [:]
            for (category, delta) in rebuilt.deltas where delta != 0 {
                counts[CategoryForm.canonical(category), default: 0] += delta
            }
            let offsets = rebuilt.offsets.map { partition, advance in
                CountsSnapshot.StoredOffset(
                    group: group, partition: partition, next: advance.next, topicID: advance.logID,
                    counted: advance.counted)
            }
            state.snapshot = CountsSnapshot(counts: counts, offsets: offsets.sorted { $0.partition < $1.partition })
        }
    }

    private struct Lock: CountsDatabaseLock {
        let database: InMemoryCountsDatabase
        func release() { database.state.withLock { $0.locked = false } }
    }
}
