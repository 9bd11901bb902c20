import Logging

extension CountingPipeline {
    /// A batch handed to the commit worker, kept until its outcome is known.
    struct InFlightCommit {
        /// The batch's records, taken back into the pending batch if the commit fails.
        var aggregator: BatchAggregator
        /// What the store was asked to write.
        var batch: CountBatch
        /// When its flush began (dead letters included).
        var started: ContinuousClock.Instant
        /// When its first record arrived.
        var batchStarted: ContinuousClock.Instant?
    }

    /// Hands the pending batch to the commit worker and starts a new one; polling goes on meanwhile. Dead
    /// letters are sent first, as for a synchronous flush. Call with nothing in flight.
    /// - Returns: `false` when dead letters could not be sent; then nothing was handed over.
    func startCommit() -> Bool {
        precondition(inFlight == nil, "one commit in flight at a time")
        let started = ContinuousClock.now
        if !deadLetters.isEmpty,
            !sendDeadLetters(until: started + configuration.deadLetterTimeout, stopping: { isStopRequested })
        {
            return false
        }
        let batch = aggregator.makeBatch(expected: owned, logIDs: logIDs)
        inFlight = InFlightCommit(aggregator: aggregator, batch: batch, started: started, batchStarted: batchStarted)
        aggregator.reset()
        batchStarted = nil
        lastCommitStart = started
        committer.start(batch)
        return true
    }

    /// Takes the outcome of the commit in flight, if any, waiting for it when `waiting`.
    ///
    /// A failed batch's records go back into the pending batch, ahead of the newer ones, and commit with
    /// them later: the store wrote nothing of it, and the newer records' offsets follow its own.
    /// - Returns: `false` when the commit failed transiently (the caller schedules the retry).
    /// - Throws: A store failure that retrying cannot fix.
    func settleCommit(waiting: Bool) throws -> Bool {
        guard let commit = inFlight, let outcome = committer.takeOutcome(waiting: waiting) else { return true }
        inFlight = nil
        let failure: StoreError
        switch outcome {
        case .success:
            finishFlush(commit.batch, counted: commit.aggregator.countedCount, started: commit.started)
            // A revocation's failed attempts mark the store unwritable without starting a retry sequence;
            // a success clears that (an ongoing sequence ends with its own synchronous success).
            if retry.failingSince == nil { recovered() }
            return true
        case .failure(let error):
            failure = error
        }
        aggregator.merge(earlier: commit.aggregator)
        batchStarted = [commit.batchStarted, batchStarted].compactMap { $0 }.min() ?? .now
        if failure.code == .fenced {
            setAsideFenced(failure)  // the other partitions commit with the next flush
            return true
        }
        guard failure.isTransient else { throw failure }
        noteStoreFailure(failure)
        return false
    }
}
