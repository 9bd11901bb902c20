import Logging

extension PipelineMachine {
    /// A stop was asked for (`abandoning`: retries are given up too). A stop only ever goes further. While
    /// running, the pending batch is then flushed within the shutdown budget, and the source closes.
    package mutating func stopRequested(_ level: StopLevel, now: Instant) {
        guard level > stop else { return }
        stop = level
        guard phase == .running else { return }
        phase = .stopping
        flush = SyncFlush(deadline: now.advanced(by: settings.shutdownBudget))
    }

    /// The source closed (it left the group), with or without an error.
    package mutating func sourceClosed(error: (any Error)?, now: Instant) {
        closeRequested = true
        guard phase == .closing else { return }
        if let error {
            fail(error)
        } else {
            phase = .finished
        }
    }

    /// While stopping: the commit in flight is booked, the pending batch flushed (or given up, which loses
    /// nothing: its offsets are not stored either, so it is read again), then the source closes.
    mutating func stoppingAction(now: Instant) -> PipelineAction {
        if inFlight != nil { return .awaitCommit }
        if let action = flushStep(now: now) { return action }
        if !pending.isEmpty {
            let records = pending.recordCount
            log(
                .warning,
                "stopping without committing the pending batch; its offsets were not stored, so it will be read again",
                ["records": "\(records)"])
            dropPending(nil)
        }
        flush = nil
        phase = .closing
        closeRequested = true
        return .closeSource
    }
}
