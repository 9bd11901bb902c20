/// The work read since the last commit: counts and offsets, the dead letters they wait for, and when the
/// first of its records arrived. A value, so that handing it to the commit worker is a move.
struct PendingBatch {
    /// Counts and offsets per partition. The record counter writes into it; see ``noteArrivals(at:)``.
    var aggregator = BatchAggregator()
    /// Records that cannot be counted, sent before the batch commits.
    private(set) var deadLetters: [DeadLetter] = []
    /// When its first record arrived; `nil` while empty.
    private(set) var started: ContinuousClock.Instant?

    /// Whether it holds no record.
    var isEmpty: Bool { aggregator.isEmpty }

    /// How many records it holds, counted or not.
    var recordCount: Int { aggregator.recordCount }

    /// What the flush schedule needs of it (a partition moved without reading weighs as a record).
    var snapshot: FlushSchedule.Pending { .init(records: recordCount + aggregator.movedCount, started: started) }

    /// Marks the batch as started at `now` if records arrived since it was empty (at the end of each poll).
    mutating func noteArrivals(at now: ContinuousClock.Instant) {
        if started == nil, !aggregator.isEmpty { started = now }
    }

    /// Keeps a record that cannot be counted, to be sent before the batch commits.
    mutating func add(_ deadLetter: DeadLetter) {
        deadLetters.append(deadLetter)
    }

    /// Keeps only the dead letters the sink has not acknowledged.
    mutating func keepDeadLetters(_ remaining: [DeadLetter]) {
        deadLetters = remaining
    }

    /// Takes the counts and offsets out for a commit; the dead letters must be sent already.
    mutating func take() -> PendingBatch {
        precondition(deadLetters.isEmpty, "dead letters are sent before their batch commits")
        defer { reset() }
        return self
    }

    /// Takes back an earlier batch whose commit failed, so that both commit together: the store wrote nothing
    /// of it, and the newer records' offsets follow its own.
    mutating func merge(earlier: PendingBatch) {
        aggregator.merge(earlier: earlier.aggregator)
        deadLetters = earlier.deadLetters + deadLetters
        started = [earlier.started, started].compactMap { $0 }.min()
    }

    /// Drops the work of some partitions: their counts, offsets and dead letters.
    mutating func forget(_ partitions: some Collection<SourcePartition>) {
        let gone = Set(partitions)
        aggregator.remove(gone)
        deadLetters.removeAll { gone.contains($0.record.partition) }
        if aggregator.isEmpty { started = nil }
    }

    /// Drops everything.
    mutating func reset() {
        aggregator.reset()
        deadLetters.removeAll()
        started = nil
    }
}
