import FoodCountCore

/// One member's store over the simulation's shared in-memory database: the real rules (fencing, one owner
/// group), plus what the simulation injects: outages (transient failures), and commits whose outcome is
/// unknown (written or not, the member hears `outcome_unknown`). Every commit written is booked in the
/// ledger.
final class SimulatedCountStore: CountStore, @unchecked Sendable {
    let inner: InMemoryCountStore
    private unowned let world: SimulationWorld
    private let member: Int
    private unowned let source: SimulatedEventSource

    init(inner: InMemoryCountStore, world: SimulationWorld, member: Int, source: SimulatedEventSource) {
        self.inner = inner
        self.world = world
        self.member = member
        self.source = source
    }

    func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        if world.storeDown { throw StoreError(code: .busy, message: "simulated outage") }
        return try inner.storedOffsets(for: partitions)
    }

    func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        if world.storeDown { throw StoreError(code: .busy, message: "simulated outage") }
        return try inner.storedLogIDs(for: partitions)
    }

    func storedPositions(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: StoredPosition] {
        if world.storeDown { throw StoreError(code: .busy, message: "simulated outage") }
        return try inner.storedPositions(for: partitions)
    }

    func commit(_ batch: CountBatch) throws(StoreError) {
        if world.storeDown { throw StoreError(code: .io, message: "simulated outage") }
        let unknown = world.chance(world.profile.unknownOutcome)
        if unknown, world.chance(0.5) { throw Self.unknownOutcome }  // not written
        let previous = try inner.storedLogIDs(for: Array(batch.offsets.keys))
        world.note(
            "member \(member) commits \(batch.offsets.sorted { $0.key < $1.key }.map { "\($0.key.partition): \($0.value.expected.map { "\($0)" } ?? "-")→\($0.value.next) \($0.value.logID ?? "") v\($0.value.expectedVersion.map { "\($0)" } ?? "?")" })\(unknown ? " (outcome unknown)" : "")"
        )
        try inner.commit(batch)
        world.ledger.committed(batch, by: source, member: member, broker: world.broker, previousLogIDs: previous)
        world.ledger.check(counts: inner.currentCounts, step: world.step)
        world.ledger.check(totals: inner.database.countedTotals(of: inner.group), step: world.step)
        if unknown { throw Self.unknownOutcome }  // written
    }

    private static let unknownOutcome = StoreError(
        code: .outcomeUnknown, message: "simulated: the connection ended during the commit")
}
