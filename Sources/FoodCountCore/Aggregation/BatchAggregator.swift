/// Accumulates one batch: per-partition category deltas and next offsets.
///
/// Deltas are kept per partition so that a lost partition's share can be dropped without touching the
/// others; ``makeBatch(expected:logIDs:expectedLogIDs:expectedVersions:)`` merges them for the store. A
/// batch numbers its categories once, in one table, and each partition counts by number: a category's name
/// is held and hashed once per batch whatever the number of partitions, and the merge adds counts by number
/// instead of hashing every name again (`docs/benchmarks.md`, "The consumer at high cardinality"). A
/// partition keeps only the numbers it counted, so that a topic keyed by category (each partition its own
/// categories) costs memory by what each partition read, not partitions × categories.
public struct BatchAggregator: Sendable {
    /// One partition's share of the batch.
    public struct PartitionState: Sendable, Equatable {
        /// Count increments by category number (the batch's table: ``BatchAggregator/deltas(of:)`` names
        /// them).
        var counts: [Int: Int64] = [:]
        /// The offset after the latest record seen (records arrive in offset order, except after a log reset).
        public var nextOffset: Int64
        /// How many records were seen, counted or not.
        public var records: Int = 0
        /// How many of them were counted: the partition's ``CountBatch/OffsetAdvance/counted``.
        public var counted: Int64 = 0
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
    /// The number of each category the batch has seen, `0..<categories.count` in order of arrival. Emptied
    /// by ``reset()`` with its room kept, so that the next batch does not grow it again.
    private var categories: [String: Int] = [:]
    /// The position of the partition used last: records come in runs of one partition, so most lookups
    /// are a comparison instead of a hash. Cleared whenever `partitions` gains or loses an entry.
    private var recent: [SourcePartition: PartitionState].Index?
    /// How many categories each partition counted in the batch before the last reset: a partition reserves
    /// that much room again.
    private var categoriesHint: [SourcePartition: Int] = [:]

    /// Creates an empty aggregator.
    public init() {}

    /// Whether nothing was seen, and no partition moved, since the last reset.
    public var isEmpty: Bool { recordCount == 0 && movedCount == 0 }

    /// One partition's count increments by category.
    /// - Parameter partition: The partition.
    /// - Returns: Its deltas; empty for a partition the batch has not counted.
    public func deltas(of partition: SourcePartition) -> [String: Int64] {
        guard let counts = partitions[partition]?.counts else { return [:] }
        var deltas: [String: Int64] = [:]
        for (category, number) in categories {
            if let count = counts[number], count != 0 { deltas[category] = count }
        }
        return deltas
    }

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
        let number = number(of: category)
        partitions.values[position(of: partition, offset: offset)].add(1, to: number, last: offset)
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
        let number = number(of: category)
        partitions.values[position(of: partition, offset: lastOffset)].add(times, to: number, last: lastOffset)
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

    /// The number of a category in the batch's table, numbering it if it is new.
    private mutating func number(of category: String) -> Int {
        if let number = categories[category] { return number }
        let number = categories.count
        categories[category] = number
        return number
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
        state.counts.reserveCapacity(categoriesHint[partition] ?? 0)
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
            countedCount -= Int(state.counted)
        }
    }

    /// Takes back an earlier batch whose commit failed, so that both commit together: deltas add up, and
    /// each partition keeps the later batch's next offset where it has one.
    /// - Parameter earlier: The batch that came before this one.
    public mutating func merge(earlier: BatchAggregator) {
        recent = nil
        var numbers = [Int](repeating: 0, count: earlier.categories.count)  // earlier's number → ours
        for (category, number) in earlier.categories { numbers[number] = self.number(of: category) }
        for (partition, old) in earlier.partitions {
            var current = partitions[partition] ?? PartitionState(nextOffset: old.nextOffset, moved: old.moved)
            if partitions[partition] == nil, old.moved { movedCount += 1 }
            for (number, count) in old.counts where count != 0 { current.add(count, to: numbers[number]) }
            current.records += old.records
            current.counted += old.counted
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
        batch.deltas = mergedDeltas()
        for (partition, state) in partitions {
            batch.offsets[partition] = CountBatch.OffsetAdvance(
                expected: expected[partition] ?? nil, next: state.nextOffset, logID: logIDs[partition],
                expectedLogID: expectedLogIDs[partition], expectedVersion: expectedVersions[partition],
                counted: state.counted)
        }
        return batch
    }

    /// Every partition's deltas added up, by category.
    private func mergedDeltas() -> [String: Int64] {
        guard !categories.isEmpty else { return [:] }
        var totals = [Int64](repeating: 0, count: categories.count)
        totals.withUnsafeMutableBufferPointer { totals in
            for state in partitions.values {
                for (number, count) in state.counts { totals[number] &+= count }
            }
        }
        // The table's own layout, without hashing a category again; a category left with no count (its
        // partitions were removed) is left out.
        let deltas = categories.mapValues { totals[$0] }
        return totals.contains(0) ? deltas.filter { $0.value != 0 } : deltas
    }

    /// Forgets everything.
    public mutating func reset() {
        categoriesHint = partitions.compactMapValues { $0.counts.isEmpty ? nil : $0.counts.count }
        categories.removeAll(keepingCapacity: true)
        partitions.removeAll(keepingCapacity: true)
        recent = nil
        recordCount = 0
        countedCount = 0
        movedCount = 0
    }
}

extension BatchAggregator.PartitionState {
    fileprivate mutating func add(_ times: Int, to number: Int, last offset: Int64) {
        add(Int64(times), to: number)
        records += times
        counted += Int64(times)
        nextOffset = offset + 1  // the latest record wins, so a log reset moves the offset back
    }

    fileprivate mutating func add(_ count: Int64, to number: Int) {
        counts[number, default: 0] += count
    }

    fileprivate mutating func advance(past offset: Int64) {
        records += 1
        nextOffset = offset + 1  // the latest record wins, so a log reset moves the offset back
    }
}
