/// Counts the records of a run into the pending batch, remembering decoded values so that a repeated value
/// costs one lookup and a tally.
///
/// The tally and the cache are private, and every write to the aggregator goes through a method that folds
/// the tally first: the aggregator's offsets stay in record order, and no insertion (which may clear the
/// cache) can run while the tally holds slots of it.
struct RecordCounter {
    /// What counting a run came to, besides the counts.
    struct Outcome {
        /// The records that cannot be counted (their offsets advanced), by index in the run.
        var rejected: [(index: Int, error: EventDecodingError)] = []
        /// How many records came below the floor: read before, so not counted again.
        var belowFloor = 0
    }

    private let decoder: any EventDecoder
    /// Whether repeated values may reuse their decoded event (the decoder is deterministic).
    private let memoizes: Bool
    /// How often each remembered value occurred in the run.
    private var tally = ValueTally()
    /// The events of recently seen values.
    private var values = DecodedValueCache()
    /// Hits since the cache was last cleared.
    private var hitsSinceClear = 0
    /// Records left to count without the cache. A table that fills up with values seen less than once more
    /// each (more distinct values than it holds: 100,000 categories) only costs a hash, a probe, an insertion
    /// and, every 1,024 new values, a clear; it rests for ``restRecords`` records, then tries again.
    private var resting = 0
    /// How long the cache rests after a clear that came with fewer hits than insertions.
    static let restRecords = 65_536
    /// The partition of the run being counted.
    private var partition = SourcePartition(topic: "", partition: -1)

    /// Creates a counter that decodes with `decoder`.
    init(decoder: any EventDecoder) {
        self.decoder = decoder
        self.memoizes = decoder.isDeterministic
    }

    /// Counts a run of an owned partition from `floor` on: a record below it (or below one counted before it
    /// in the run) was read before, and is neither counted nor advanced past again. Where the floor is, the
    /// ``PipelineMachine`` decides (``PipelineMachine/admit(_:)``).
    /// - Parameters:
    ///   - run: The records.
    ///   - floor: The offset the partition's next record should have, if known.
    ///   - aggregator: The pending batch's counts and offsets.
    mutating func count(
        _ run: any SourceRun,
        floor: Int64?,
        into aggregator: inout BatchAggregator
    ) -> Outcome {
        partition = run.partition
        var floor = floor ?? .min
        var outcome = Outcome()
        run.forEach { index, record in
            guard record.offset >= floor else {
                outcome.belowFloor += 1
                return
            }
            floor = record.offset + 1
            do throws(EventDecodingError) {
                try count(record, into: &aggregator)
            } catch {
                skip(offset: record.offset, into: &aggregator)
                outcome.rejected.append((index, error))
            }
        }
        fold(into: &aggregator)
        return outcome
    }

    /// Counts one record: a repeated value by one hash and one probe, whichever the outcome; a new one is
    /// decoded, counted, then remembered.
    private mutating func count(_ record: SourceRecordView, into aggregator: inout BatchAggregator)
        throws(EventDecodingError)
    {
        if resting > 0 { resting -= 1 }
        guard memoizes, resting == 0, let value = record.value else {
            let event = try decoder.decode(record.value)
            fold(into: &aggregator)
            aggregator.count(event.category, partition: partition, offset: record.offset)
            return
        }
        switch values.lookup(value) {
        case .hit(let slot):
            hitsSinceClear += 1
            tally.add(slot: slot, offset: record.offset)
        case .miss(let miss):
            let event = try decoder.decode(value)
            fold(into: &aggregator)
            aggregator.count(event.category, partition: partition, offset: record.offset)
            if values.isFull {
                // The insertion clears the table: whether it earned its keep since the last clear.
                if hitsSinceClear < DecodedValueCache.capacity / 2 { resting = Self.restRecords }
                hitsSinceClear = 0
            }
            values.insert(event, for: value, at: miss)
        }
    }

    /// Advances past a record that is not counted.
    private mutating func skip(offset: Int64, into aggregator: inout BatchAggregator) {
        fold(into: &aggregator)
        aggregator.skip(partition: partition, offset: offset)
    }

    /// Adds the tally to the aggregator, as counts of the run's partition up to the last tallied offset.
    private mutating func fold(into aggregator: inout BatchAggregator) {
        guard !tally.isEmpty else { return }
        let partition = partition
        let lastOffset = tally.lastOffset
        let values = values
        tally.drain { slot, count in
            aggregator.count(
                values.event(at: slot).category, times: count, partition: partition, lastOffset: lastOffset)
        }
    }
}
