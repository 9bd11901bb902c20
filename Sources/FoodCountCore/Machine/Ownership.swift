/// The partitions this member owns, as the ``PipelineMachine`` sees them: for each, the offset the store
/// holds, the identity of its log, where its next record is expected, and whether it is fenced, out of range
/// or paused. A value with its own operations; the machine decides when to apply them.
struct Ownership {
    /// The next offset the store holds per owned partition (`nil`: none stored yet).
    private(set) var stored: [SourcePartition: Int64?] = [:]
    /// The identity of each owned partition's log (Kafka's topic ID), where known: the next commit stores it.
    private(set) var logIDs: [SourcePartition: String] = [:]
    /// The identity of the log the store holds each owned partition's offset for, where known: the next
    /// commit expects it, so that the same offset of another log does not pass the fence.
    private(set) var storedLogIDs: [SourcePartition: String] = [:]
    /// The version the store holds for each owned partition, where known (a fencing token: each commit adds
    /// one), so that a member that slept through a move back is fenced even where offset and log match.
    private(set) var storedVersions: [SourcePartition: Int64] = [:]
    /// Where each owned partition's next record is expected when neither the pending batch nor the commit in
    /// flight has read it: where it started or was moved, or the last offset committed. Absent: unknown (it
    /// started by the source's reset policy, or at the beginning of a log).
    private(set) var positions: [SourcePartition: Int64] = [:]
    /// Owned partitions whose commit was fenced: not counted until they continue from their stored offset.
    private(set) var fenced: Set<SourcePartition> = []
    /// Owned partitions the source refused to serve at their position, until the machine moves them.
    private(set) var outOfRange: Set<SourcePartition> = []
    /// Owned partitions paused while the store fails.
    private(set) var paused: Set<SourcePartition> = []
    /// Owned partitions whose watermark was seen below their position (said once per assignment).
    private(set) var watermarkNoted: Set<SourcePartition> = []
    /// Owned partitions whose log's identity is to be checked (a watermark below their position).
    private(set) var identityChecks: Set<SourcePartition> = []
    /// Owned partitions whose topic's metadata reported another ID: not counted until a query of their log's
    /// identity answers. The value is the first offset of a run dropped meanwhile (where to read again when
    /// the log turns out the same).
    private(set) var inDoubt: [SourcePartition: Int64?] = [:]

    /// How many partitions are owned.
    var count: Int { stored.count }

    /// The owned partitions, in order.
    var owned: [SourcePartition] { stored.keys.sorted() }

    /// Whether the partition is owned.
    func owns(_ partition: SourcePartition) -> Bool { stored[partition] != nil }

    /// Whether the partition's records are counted: owned, neither fenced, out of range nor in doubt.
    func counts(_ partition: SourcePartition) -> Bool {
        owns(partition) && !fenced.contains(partition) && !outOfRange.contains(partition)
            && inDoubt[partition] == nil
    }

    /// The offset the store holds for a partition, if any.
    func storedOffset(of partition: SourcePartition) -> Int64? { stored[partition] ?? nil }

    /// The offset the store holds for a partition, if it holds one for the log the partition reads now (or
    /// either identity is unknown): an offset of another log says nothing of this one.
    func storedOffsetInCurrentLog(of partition: SourcePartition) -> Int64? {
        if let storedLogID = storedLogIDs[partition], let logID = logIDs[partition], storedLogID != logID {
            return nil
        }
        return storedOffset(of: partition)
    }

    /// Takes an assigned partition: the offset the store holds and the identity it holds it for, the
    /// identity of its log now, and where it starts (`nil`: the source's reset policy).
    mutating func assign(
        _ partition: SourcePartition, stored position: StoredPosition?, logID: String?, start: PartitionStart?
    ) {
        release([partition])
        stored[partition] = .some(position?.next)
        if let storedLogID = position?.logID { storedLogIDs[partition] = storedLogID }
        if let version = position?.version { storedVersions[partition] = version }
        if let logID { logIDs[partition] = logID }
        if let position = start?.offset { positions[partition] = position }
    }

    /// Stops owning partitions.
    mutating func release(_ partitions: some Sequence<SourcePartition>) {
        for partition in partitions {
            stored.removeValue(forKey: partition)
            logIDs.removeValue(forKey: partition)
            storedLogIDs.removeValue(forKey: partition)
            storedVersions.removeValue(forKey: partition)
            positions.removeValue(forKey: partition)
            fenced.remove(partition)
            outOfRange.remove(partition)
            paused.remove(partition)
            watermarkNoted.remove(partition)
            identityChecks.remove(partition)
            inDoubt.removeValue(forKey: partition)
        }
    }

    /// Records what a committed batch stored.
    /// - Returns: The new next offset of each partition still owned.
    mutating func committed(_ batch: CountBatch) -> [SourcePartition: Int64] {
        var next: [SourcePartition: Int64] = [:]
        for (partition, advance) in batch.offsets where owns(partition) {
            stored[partition] = advance.next
            if let logID = advance.logID { storedLogIDs[partition] = logID }
            // Each commit adds one to the version; a first one (nothing expected) leaves it at 1.
            let version = advance.expected == nil ? 0 : storedVersions[partition]
            storedVersions[partition] = version.map { $0 + 1 }
            next[partition] = advance.next
            // A partition moved forward while the batch committed (past removed records) stays where it went.
            positions[partition] = max(positions[partition] ?? advance.next, advance.next)
        }
        return next
    }

    /// Marks the owned ones of `partitions` fenced.
    /// - Returns: The partitions marked.
    mutating func fence(_ partitions: [SourcePartition]) -> [SourcePartition] {
        let owned = partitions.filter(owns)
        fenced.formUnion(owned)
        return owned
    }

    /// Marks an owned partition out of range, unless it is fenced (its stored offset decides where it goes).
    /// - Returns: Whether it was marked now.
    mutating func markOutOfRange(_ partition: SourcePartition) -> Bool {
        guard owns(partition), !fenced.contains(partition) else { return false }
        return outOfRange.insert(partition).inserted
    }

    /// Marks that a partition's watermark was seen below its position, so that its log's identity is checked.
    /// - Returns: Whether that is new since its assignment.
    mutating func noteWatermark(_ partition: SourcePartition) -> Bool {
        guard owns(partition), watermarkNoted.insert(partition).inserted else { return false }
        identityChecks.insert(partition)
        return true
    }

    /// Asks for an owned partition's log identity to be checked.
    mutating func checkIdentity(_ partition: SourcePartition) {
        if owns(partition) { identityChecks.insert(partition) }
    }

    /// Puts an owned partition's log in doubt (its topic reported another ID, or is known to have a new log
    /// it does not read yet): its runs are dropped until ``resolveDoubt(_:)``, and its identity is checked
    /// when `check` says so.
    mutating func doubt(_ partition: SourcePartition, check: Bool = true) {
        guard owns(partition) else { return }
        if check { identityChecks.insert(partition) }
        if inDoubt[partition] == nil { inDoubt[partition] = .some(nil) }
    }

    /// A run of a partition in doubt was dropped from `offset` on.
    mutating func droppedInDoubt(_ partition: SourcePartition, from offset: Int64) {
        guard let first = inDoubt[partition], first == nil else { return }
        inDoubt[partition] = offset
    }

    /// Ends a partition's doubt.
    /// - Returns: The first offset of a run dropped while in doubt, if any (`nil` when it was not in doubt).
    mutating func resolveDoubt(_ partition: SourcePartition) -> Int64? {
        inDoubt.removeValue(forKey: partition) ?? nil
    }

    /// The identity of a partition's log was checked.
    mutating func identityChecked(_ partition: SourcePartition) {
        identityChecks.remove(partition)
    }

    /// A partition was moved: its next record is expected at `start`; it is neither fenced nor out of range
    /// any more. `stored` replaces the offset the store holds, when the move read it.
    mutating func moved(_ partition: SourcePartition, to start: PartitionStart, stored position: StoredPosition? = nil)
    {
        guard owns(partition) else { return }
        if let position {
            stored[partition] = position.next
            storedLogIDs[partition] = position.logID
            storedVersions[partition] = position.version
        }
        positions[partition] = start.offset
        fenced.remove(partition)
        outOfRange.remove(partition)
    }

    /// Sets the identity of an owned partition's log: the next commit stores it.
    mutating func identify(_ partition: SourcePartition, as logID: String) {
        if owns(partition) { logIDs[partition] = logID }
    }

    /// Marks every owned partition paused.
    /// - Returns: Those not paused before.
    mutating func pauseAll() -> [SourcePartition] {
        let newly = Set(stored.keys).subtracting(paused)
        paused.formUnion(newly)
        return newly.sorted()
    }

    /// Clears every pause.
    /// - Returns: The owned partitions that were paused.
    mutating func resumeAll() -> [SourcePartition] {
        defer { paused.removeAll() }
        return paused.filter(owns).sorted()
    }

    /// Turns the pending batch's partitions into a store batch that expects the offsets the store holds.
    func makeBatch(_ pending: PendingBatch) -> CountBatch {
        pending.aggregator.makeBatch(
            expected: stored, logIDs: logIDs, expectedLogIDs: storedLogIDs, expectedVersions: storedVersions)
    }
}
