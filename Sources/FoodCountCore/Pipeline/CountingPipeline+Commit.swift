extension CountingPipeline {
    /// Hands the pending batch to the commit worker and starts a new one; polling goes on meanwhile. Dead
    /// letters are sent first. Call with nothing in flight.
    func startCommit() {
        guard !pending.isEmpty else { return }
        let started = ContinuousClock.now
        guard sendDeadLetters(until: started + configuration.deadLetterTimeout, stopping: { stop.isRequested })
        else { return }
        committer.start(books.beginCommit(taking: &pending, started: started, inBackground: true))
    }

    /// Takes the outcome of the commit in flight, if any, waiting for it when `waiting`, and books it (see
    /// ``Bookkeeper/settle(_:_:pending:)``).
    /// - Returns: `false` when the commit failed transiently (the schedule then waits for a retry).
    /// - Throws: A store failure that retrying cannot fix.
    @discardableResult
    func settleCommit(waiting: Bool) throws -> Bool {
        guard let (commit, result) = committer.takeOutcome(waiting: waiting) else { return true }
        return try books.settle(commit, result, pending: &pending)
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
        while !pending.isEmpty {  // a fence drops only its own partitions: the others commit now
            let commit = books.beginCommit(taking: &pending, started: started, inBackground: false)
            let result = Result { () throws(StoreError) in try store.commit(commit.batch) }
            guard try books.settle(commit, result, pending: &pending) else { return false }
        }
        return true
    }

    /// Flushes now, retrying with backoff for at most `budget` (for revocation and shutdown).
    /// - Returns: Whether the batch was committed.
    func flushRetrying(budget: Duration) throws -> Bool {
        try retries.retrying(within: budget) { try attemptFlush(waitingUntil: $0) }
    }
}
