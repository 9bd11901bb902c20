import Logging

extension CountingPipeline {
    /// Counts or rejects a run of records of one partition; the partition is looked up once.
    func process(_ run: any SourceRun) {
        confinement.assertConfined("process")
        let partition = run.partition
        guard books.ownership.counts(partition) else {
            return recorder.consumed(run.count, from: partition, dropped: run.count)
        }
        let position =
            pending.aggregator.nextOffset(for: partition)
            ?? committer.inFlight?.pending.aggregator.nextOffset(for: partition)
            ?? books.ownership.storedOffset(of: partition)
        let outcome = counter.count(run, from: position, into: &pending.aggregator)
        recorder.consumed(run.count, from: partition, invalid: outcome.rejected.count)
        for (offset, expected) in outcome.stepsBack {
            // auto.offset.reset after the log was truncated or the broker lost it: those are new records.
            logger.warning(
                "partition offset went back; the log was reset, counting from its new position",
                metadata: .record(partition, offset, ["previous": "\(expected)"]))
        }
        for (index, error) in outcome.rejected {
            if let letter = courier.reject(run.makeRecord(at: index), error) { pending.add(letter) }
        }
    }

    /// Ends a poll that visited records: the batch's start, and pausing when a failing store holds a full batch.
    func finishPoll(visited: Int) {
        guard visited > 0 else { return }
        pending.noteArrivals(at: .now)
        books.pauseIfFull(pending.snapshot)
    }

    /// Sends pending dead letters; keeps those that failed. Returns whether all were acknowledged; after a
    /// failure, the schedule waits for a retry.
    func sendDeadLetters(until deadline: ContinuousClock.Instant, stopping: () -> Bool) -> Bool {
        guard let error = courier.deliver(&pending, until: deadline, stopping: stopping) else { return true }
        books.retryLater(after: error)
        return false
    }
}
