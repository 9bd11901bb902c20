/// Accumulates one batch: per-partition category deltas and next offsets.
///
/// Deltas are kept per partition so that a lost partition's share can be dropped without touching the
/// others; ``makeBatch(expected:)`` merges them for the store.
public struct BatchAggregator: Sendable {
    /// One partition's share of the batch.
    public struct PartitionState: Sendable, Equatable {
        /// Count increments by category.
        public var deltas: [String: Int64] = [:]
        /// The offset after the latest record seen (records arrive in offset order, except after a log reset).
        public var nextOffset: Int64
        /// How many records were seen, counted or not.
        public var records: Int = 0
        /// Whether the partition was moved without reading (``move(_:to:)``): its offset is stored even
        /// without records.
        public var moved = false
    }

    /// The batch's partitions.
    public private(set) var partitions: [SourcePartition: PartitionState] = [:]
    /// How many records the batch holds, counted or not.
    public private(set) var recordCount = 0
    /// How many records were counted.
    public private(set) var countedCount = 0
    /// How many partitions were moved without reading (``move(_:to:)``).
    public private(set) var movedCount = 0
    /// The position of the partition used last: records come in runs of one partition, so most lookups
    /// are a comparison instead of a hash. Cleared whenever `partitions` gains or loses an entry.
    private var recent: [SourcePartition: PartitionState].Index?
    /// How many categories a partition's deltas held at most in the batches before the last reset: a new
    /// partition state reserves that much, so that its table is not grown (every key hashed again) a dozen
    /// times per batch at high cardinality. It survives ``reset()``.
    private var categoriesHint = 0

    /// Creates an empty aggregator.
    public init() {}

    /// Whether nothing was seen, and no partition moved, since the last reset.
    public var isEmpty: Bool { recordCount == 0 && movedCount == 0 }

    /// Moves a partition's next offset without reading anything: the batch stores it even if no record of
    /// the partition follows (a move back after a confirmed truncation must outlive the member).
    /// - Parameters:
    ///   - partition: The partition, whose records in the batch were dropped.
    ///   - next: Its new next offset.
    public mutating func move(_ partition: SourcePartition, to next: Int64) {
        if let state = partitions[partition], state.records > 0 {
            partitions[partition]?.nextOffset = next
            return
        }
        recent = nil
        if partitions[partition]?.moved != true { movedCount += 1 }
        partitions[partition] = PartitionState(nextOffset: next, moved: true)
    }

    /// Counts one event and advances its partition past `offset`.
    /// - Parameters:
    ///   - category: The event's category.
    ///   - partition: Where the event was read.
    ///   - offset: Its offset.
    public mutating func count(_ category: String, partition: SourcePartition, offset: Int64) {
        partitions.values[position(of: partition, offset: offset)].count(category, offset: offset)
        recordCount += 1
        countedCount += 1
    }

    /// Counts several events of one category at once and advances their partition past the last of them.
    /// - Parameters:
    ///   - category: The events' category.
    ///   - times: How many events.
    ///   - partition: Where the events were read.
    ///   - lastOffset: The offset of the last of them.
    public mutating func count(_ category: String, times: Int, partition: SourcePartition, lastOffset: Int64) {
        guard times > 0 else { return }
        partitions.values[position(of: partition, offset: lastOffset)].count(category, times: times, last: lastOffset)
        recordCount += times
        countedCount += times
    }

    /// Advances a partition past `offset` without counting anything (a skipped or dead-lettered record).
    /// - Parameters:
    ///   - partition: Where the record was read.
    ///   - offset: Its offset.
    public mutating func skip(partition: SourcePartition, offset: Int64) {
        partitions.values[position(of: partition, offset: offset)].advance(past: offset)
        recordCount += 1
    }

    private mutating func position(
        of partition: SourcePartition,
        offset: Int64
    ) -> [SourcePartition: PartitionState].Index {
        if let recent, partitions.keys[recent] == partition { return recent }
        if let index = partitions.index(forKey: partition) {
            recent = index
            return index
        }
        var state = PartitionState(nextOffset: offset + 1)
        if categoriesHint > 0 { state.deltas.reserveCapacity(categoriesHint) }
        partitions[partition] = state
        let index = partitions.index(forKey: partition)!
        recent = index
        return index
    }

    /// The next offset the batch has reached for a partition, if it has seen any record of it.
    public func nextOffset(for partition: SourcePartition) -> Int64? {
        partitions[partition]?.nextOffset
    }

    /// Drops the batch's share of some partitions.
    /// - Parameter dropped: The partitions to forget.
    public mutating func remove(_ dropped: some Sequence<SourcePartition>) {
        recent = nil
        for partition in dropped {
            guard let state = partitions.removeValue(forKey: partition) else { continue }
            if state.moved { movedCount -= 1 }
            recordCount -= state.records
            countedCount -= state.deltas.values.reduce(0) { $0 + Int($1) }
        }
    }

    /// Takes back an earlier batch whose commit failed, so that both commit together: deltas add up, and
    /// each partition keeps the later batch's next offset where it has one.
    /// - Parameter earlier: The batch that came before this one.
    public mutating func merge(earlier: BatchAggregator) {
        recent = nil
        for (partition, old) in earlier.partitions {
            guard var current = partitions[partition] else {
                partitions[partition] = old
                if old.moved { movedCount += 1 }
                continue
            }
            current.deltas.merge(old.deltas, uniquingKeysWith: +)
            current.records += old.records
            partitions[partition] = current
        }
        recordCount += earlier.recordCount
        countedCount += earlier.countedCount
    }

    /// Merges the partitions into one store batch.
    /// - Parameters:
    ///   - expected: The next offset the store holds now per partition (`nil` for none).
    ///   - logIDs: The identity of each partition's log, where known, stored with its offset.
    ///   - expectedLogIDs: The identity of the log the store holds each expected offset for, where known.
    ///   - expectedVersions: The version the store holds for each partition, where known.
    public func makeBatch(
        expected: [SourcePartition: Int64?], logIDs: [SourcePartition: String] = [:],
        expectedLogIDs: [SourcePartition: String] = [:], expectedVersions: [SourcePartition: Int64] = [:]
    ) -> CountBatch {
        var batch = CountBatch(eventCount: recordCount)
        let withDeltas = partitions.values.filter { !$0.deltas.isEmpty }
        if withDeltas.count == 1 {
            batch.deltas = withDeltas[0].deltas  // shared, not copied
        } else if withDeltas.count > 1 {
            // Room for every key at once: growing while merging hashes each key again at each doubling.
            batch.deltas.reserveCapacity(withDeltas.reduce(0) { $0 + $1.deltas.count })
            for state in withDeltas { batch.deltas.merge(state.deltas, uniquingKeysWith: +) }
        }
        for (partition, state) in partitions {
            batch.offsets[partition] = CountBatch.OffsetAdvance(
                expected: expected[partition] ?? nil, next: state.nextOffset, logID: logIDs[partition],
                expectedLogID: expectedLogIDs[partition], expectedVersion: expectedVersions[partition])
        }
        return batch
    }

    /// Forgets everything.
    public mutating func reset() {
        categoriesHint = partitions.values.reduce(0) { max($0, $1.deltas.count) }
        partitions.removeAll(keepingCapacity: true)
        recent = nil
        recordCount = 0
        countedCount = 0
        movedCount = 0
    }
}

extension BatchAggregator.PartitionState {
    fileprivate mutating func count(_ category: String, offset: Int64) {
        deltas[category, default: 0] += 1
        advance(past: offset)
    }

    fileprivate mutating func count(_ category: String, times: Int, last offset: Int64) {
        deltas[category, default: 0] += Int64(times)
        records += times
        nextOffset = offset + 1
    }

    fileprivate mutating func advance(past offset: Int64) {
        records += 1
        nextOffset = offset + 1  // the latest record wins, so a log reset moves the offset back
    }
}
