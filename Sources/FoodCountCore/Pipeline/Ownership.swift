/// The partitions this member owns, as the pipeline sees them: the offset the store holds for each, its
/// log's identity, and whether it is fenced or paused.
struct Ownership {
    /// The next offset the store holds per owned partition (`nil`: none stored yet).
    private(set) var stored: [SourcePartition: Int64?] = [:]
    /// The identity of each owned partition's log (Kafka's topic ID), where the source knows it.
    private(set) var logIDs: [SourcePartition: String] = [:]
    /// Owned partitions whose commit was fenced: not counted until they continue from their stored offset.
    private(set) var fenced: Set<SourcePartition> = []
    /// Owned partitions paused while the store fails.
    private(set) var paused: Set<SourcePartition> = []

    /// How many partitions are owned.
    var count: Int { stored.count }

    /// Whether the partition is owned.
    func owns(_ partition: SourcePartition) -> Bool { stored[partition] != nil }

    /// Whether the partition's records are counted: owned and not fenced.
    func counts(_ partition: SourcePartition) -> Bool { owns(partition) && !fenced.contains(partition) }

    /// Where a partition's next record is expected, if the store holds an offset for it.
    func storedOffset(of partition: SourcePartition) -> Int64? { stored[partition] ?? nil }

    /// Takes assigned partitions, with the offsets and log identities the store holds and their logs' identities
    /// now, and says where each starts: at its stored offset, or at the beginning of its log when the log was
    /// recreated since that offset was stored (its identity changed).
    /// - Returns: The start of each partition with a stored offset; the others follow the source's reset policy.
    mutating func assign(
        _ partitions: [SourcePartition],
        stored offsets: [SourcePartition: Int64],
        storedLogIDs: [SourcePartition: String],
        logIDs current: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] {
        var starts: [SourcePartition: PartitionStart] = [:]
        for partition in partitions {
            stored[partition] = .some(offsets[partition])
            logIDs[partition] = current[partition]
            fenced.remove(partition)
            guard let offset = offsets[partition] else { continue }
            starts[partition] = PartitionStart(
                stored: offset, storedLogID: storedLogIDs[partition], logID: current[partition])
        }
        return starts
    }

    /// Stops owning partitions.
    mutating func release(_ partitions: [SourcePartition]) {
        for partition in partitions {
            stored.removeValue(forKey: partition)
            logIDs.removeValue(forKey: partition)
            fenced.remove(partition)
            paused.remove(partition)
        }
    }

    /// Records what a committed batch stored.
    /// - Returns: The new next offset of each partition still owned.
    mutating func committed(_ batch: CountBatch) -> [SourcePartition: Int64] {
        var next: [SourcePartition: Int64] = [:]
        for (partition, advance) in batch.offsets where owns(partition) {
            stored[partition] = advance.next
            next[partition] = advance.next
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

    /// Checks that the store holds an offset for every fenced partition, so that each can continue from it.
    /// - Throws: `inconsistent` for the first fenced partition (in order) whose stored offset vanished while
    ///   this member owned it: any start would be a guess.
    func checkFencedStored(_ offsets: [SourcePartition: Int64]) throws(StoreError) {
        guard let missing = fenced.sorted().first(where: { offsets[$0] == nil }) else { return }
        throw StoreError(
            code: .inconsistent,
            message:
                "the stored offset of \(missing) vanished while this member owned the partition; refusing to guess where to continue"
        )
    }

    /// Clears the fence of partitions moved to the offsets the store holds.
    mutating func continueFenced(at offsets: [SourcePartition: Int64]) {
        for (partition, offset) in offsets where owns(partition) { stored[partition] = offset }
        fenced.subtract(offsets.keys)
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
        pending.aggregator.makeBatch(expected: stored, logIDs: logIDs)
    }
}
