/// The pipeline's per-record state, in one value so that the common case (a value seen before, in an owned
/// partition, in offset order) costs one access to the pipeline's storage.
struct RecordCounter {
    /// The run of consecutive records of one partition being processed.
    struct Run {
        var partition = SourcePartition(topic: "", partition: -1)
        var isOwned = false
        /// The offset the next record of the partition should have.
        var position: Int64?
        var records = 0
        var invalid = 0
    }

    /// The run being processed.
    var run = Run()
    /// How often each remembered value occurred in the run.
    var tally = ValueTally()
    /// The events of recently seen values.
    var values = DecodedValueCache()

    /// Tallies a record if it is a value seen before, of the current run's owned partition, in offset order;
    /// returns `false` and changes nothing otherwise.
    mutating func tallyIfRepeated(_ record: SourceRecordView) -> Bool {
        guard record.partition == run.partition, run.isOwned, let position = run.position, record.offset >= position,
            let value = record.value, let slot = values.slot(for: value)
        else { return false }
        run.records += 1
        run.position = record.offset + 1
        tally.add(slot: slot, offset: record.offset)
        return true
    }

    /// Adds the tally to the aggregator, as counts of the run's partition up to the last tallied offset.
    mutating func foldTally(into aggregator: inout BatchAggregator) {
        guard !tally.isEmpty else { return }
        let partition = run.partition
        let lastOffset = tally.lastOffset
        let values = values
        tally.drain { slot, count in
            aggregator.count(
                values.event(at: slot).category, times: count, partition: partition, lastOffset: lastOffset)
        }
    }
}
