import Foundation
import Logging

extension CountingPipeline {
    /// Hands the pending batch to the commit worker and starts a new one; polling goes on meanwhile. Dead
    /// letters are sent first. Call with nothing in flight.
    func startCommit() {
        guard !pending.isEmpty else { return }
        let started = ContinuousClock.now
        guard sendDeadLetters(until: started + configuration.deadLetterTimeout, stopping: { stop.isRequested })
        else { return }
        let batch = ownership.makeBatch(pending)
        schedule.commitBegan(inBackground: true)
        committer.start(.init(pending: pending.take(), batch: batch, started: started))
    }

    /// Takes the outcome of the commit in flight, if any, waiting for it when `waiting`.
    ///
    /// A failed batch's records go back into the pending batch, ahead of the newer ones, and commit with
    /// them later: the store wrote nothing of it, and the newer records' offsets follow its own.
    /// - Returns: `false` when the commit failed transiently (the schedule then waits for a retry).
    /// - Throws: A store failure that retrying cannot fix.
    @discardableResult
    func settleCommit(waiting: Bool) throws -> Bool {
        guard let (commit, result) = committer.takeOutcome(waiting: waiting) else { return true }
        switch result {
        case .success:
            committed(commit.batch, counted: commit.pending.aggregator.countedCount, started: commit.started)
            return true
        case .failure(let failure):
            pending.merge(earlier: commit.pending)
            return try survived(failure)
        }
    }

    /// One synchronous attempt to commit the pending batch: first the outcome of the commit in flight, then
    /// dead letters, then counts and offsets in one store transaction, then the offsets to the source.
    /// - Parameter deadline: How long dead letters may wait for acknowledgements; an abandoning stop ends
    ///   that wait too.
    /// - Returns: `true` when committed (or nothing was pending), `false` after a transient failure.
    /// - Throws: A failure that retrying cannot fix.
    @discardableResult
    func attemptFlush(waitingUntil deadline: ContinuousClock.Instant) throws -> Bool {
        guard try settleCommit(waiting: true) else { return false }
        let started = ContinuousClock.now
        guard sendDeadLetters(until: deadline, stopping: { stop.isAbandoning }) else { return false }
        while !pending.isEmpty {
            let batch = ownership.makeBatch(pending)
            schedule.commitBegan(inBackground: false)
            do throws(StoreError) {
                try store.commit(batch)
            } catch {
                guard try survived(error) else { return false }
                continue  // fenced: the other partitions commit now
            }
            let counted = pending.aggregator.countedCount
            pending.reset()
            committed(batch, counted: counted, started: started)
        }
        return true
    }

    /// Flushes now, retrying with backoff for at most `budget` (for revocation and shutdown).
    /// - Returns: Whether the batch was committed.
    func flushRetrying(budget: Duration) throws -> Bool {
        try retries.retrying(within: budget) { try attemptFlush(waitingUntil: $0) }
    }

    /// Handles a failed commit: a fence sets the partitions aside, a transient failure waits for a retry.
    /// - Returns: `true` after a fence (which is no store failure), `false` after a transient failure.
    /// - Throws: `failure` when retrying cannot fix it.
    private func survived(_ failure: StoreError) throws -> Bool {
        if failure.code == .fenced {
            setAsideFenced(failure)
            if schedule.isCommitting { schedule.commitSucceeded() }  // a failing run goes on until a write succeeds
            return true
        }
        guard failure.isTransient else { throw failure }
        recorder.storeFailed(failure)
        retryLater(after: failure)
        return false
    }

    /// After a failed attempt: the schedule backs off; past the retry budget, consumption pauses and the
    /// pipeline reports not ready.
    func retryLater(after error: any Error) {
        let (delay, exhausted) = schedule.commitFailed()
        if exhausted {
            logger.error(
                "commits have failed for longer than the retry budget; pausing consumption and reporting not ready",
                metadata: ["budget": "\(configuration.retryBudget)"])
            pauseOwnedPartitions()  // before the flag, so that whoever sees the flag sees the pause too
        }
        recorder.retrying(budgetExhausted: exhausted)
        logger.warning("commit attempt failed; retrying", metadata: ["delay": "\(delay)", "error": "\(error)"])
    }

    /// Books a committed batch: the offsets it stored, the source's own bookkeeping, statistics and metrics;
    /// and ends a failure state.
    private func committed(_ batch: CountBatch, counted: Int, started: ContinuousClock.Instant) {
        let wasFailing = schedule.commitSucceeded()
        source.commit(ownership.committed(batch))
        recorder.committed(batch, counted: counted, started: started)
        logger.debug(
            "batch committed",
            metadata: [
                "events": "\(batch.eventCount)", "categories": "\(batch.deltas.count)",
                "duration": "\(ContinuousClock.now - started)",
            ])
        let resumed = ownership.resumeAll()
        if !resumed.isEmpty { source.resume(resumed) }
        if wasFailing { logger.notice("commits succeed again; consumption resumed") }
    }

    /// Ends a run of failures that left nothing to commit (a fence, or a revocation, took the pending work):
    /// nothing waits for the store any more, so consumption resumes and readiness returns. The store is
    /// reported writable again only once a commit succeeds.
    func failuresOutlived() {
        schedule.commitSucceeded()
        recorder.failuresOutlived()
        let resumed = ownership.resumeAll()
        if !resumed.isEmpty { source.resume(resumed) }
        logger.notice("nothing is left to commit after the failed commits; consumption resumed")
    }

    /// Pauses every owned partition not paused yet.
    func pauseOwnedPartitions() {
        let newly = ownership.pauseAll()
        if !newly.isEmpty { source.pause(newly) }
    }
}
