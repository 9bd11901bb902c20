@testable import FoodCountCore

extension CountingPipeline {
    /// Processes records held in an array as one poll, on the test's thread: a test drives the pipeline
    /// without `run()` (sources that copy hand over arrays through `EventSource.poll(maxRecords:timeout:_:)`).
    func process(_ records: [SourceRecord]) {
        for run in SourceRecordRun.runs(of: records) { process(run) }
        finishPoll(visited: records.count)
    }
}
