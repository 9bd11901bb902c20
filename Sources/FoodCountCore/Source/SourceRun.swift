/// Consecutive records of one partition, in offset order, as a source hands them over.
///
/// Kafka delivers records in runs of one partition, so the pipeline looks up a partition once per run and
/// then only sees records. A run and its views are valid only during the visit that lends them (see
/// ``EventSource/poll(maxRecords:timeout:_:)``).
public protocol SourceRun {
    /// The partition of every record in the run.
    var partition: SourcePartition { get }

    /// How many records the run holds.
    var count: Int { get }

    /// Lends each record in order, with its index in the run, without copying it.
    /// - Parameter body: Receives each record's index and view; the view is valid only during its call.
    func forEach(_ body: (_ index: Int, _ record: SourceRecordView) -> Void)

    /// Copies one record of the run, headers included (a source may parse headers only when asked).
    /// - Parameter index: Its index in the run, `0..<count`.
    func makeRecord(at index: Int) -> SourceRecord
}

/// A run over copied records, for sources that copy anyway.
struct SourceRecordRun: SourceRun {
    let records: ArraySlice<SourceRecord>

    var partition: SourcePartition { records[records.startIndex].partition }

    var count: Int { records.count }

    func forEach(_ body: (_ index: Int, _ record: SourceRecordView) -> Void) {
        for (index, record) in records.enumerated() { record.withView { body(index, $0) } }
    }

    func makeRecord(at index: Int) -> SourceRecord { records[records.startIndex + index] }

    /// Splits records into runs of one partition, keeping their order.
    static func runs(of records: [SourceRecord]) -> [SourceRecordRun] {
        var runs: [SourceRecordRun] = []
        var start = records.startIndex
        for index in records.indices.dropFirst() where records[index].partition != records[start].partition {
            runs.append(SourceRecordRun(records: records[start..<index]))
            start = index
        }
        if start < records.endIndex { runs.append(SourceRecordRun(records: records[start...])) }
        return runs
    }
}
