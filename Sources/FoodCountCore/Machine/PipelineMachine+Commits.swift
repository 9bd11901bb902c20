import Logging

extension PipelineMachine {
    /// Begins a commit of the pending batch: its dead letters first, when it holds some; their
    /// acknowledgement (``deadLettersDelivered(error:now:)``) starts the commit itself.
    mutating func beginCommit(
        _ kind: CommitKind, now: Instant, lettersUntil deadline: Instant, endsWith: StopLevel
    ) -> PipelineAction {
        guard pending.deadLetters.isEmpty else {
            awaitingLetters = kind
            return .deliverDeadLetters(until: deadline, endsWith: endsWith)
        }
        return startCommit(kind, now: now)
    }

    /// Takes the pending batch into a commit that expects the offsets the store holds.
    private mutating func startCommit(_ kind: CommitKind, now: Instant) -> PipelineAction {
        let batch = ownership.makeBatch(pending)
        schedule.commitBegan(inBackground: kind == .background, now: now)
        inFlight = InFlight(pending: pending.take(), batch: batch, started: now)
        return kind == .background ? .startCommit(batch) : .commit(batch)
    }

    /// The dead letters of a commit about to begin were sent: all acknowledged (`error` is `nil`), and the
    /// commit begins; or not, and the attempt failed.
    package mutating func deadLettersDelivered(error: (any Error)?, now: Instant) {
        guard let kind = awaitingLetters else { return }
        awaitingLetters = nil
        if let error { return attemptFailed(error, now: now) }
        outbox.append(startCommit(kind, now: now))
    }

    /// The commit in flight ended. A written batch is booked; a failed one goes back into the pending batch,
    /// ahead of the newer records (the store wrote nothing of it, and their offsets follow its own): a fence
    /// sets its partitions aside, a transient failure (or an unknown outcome, whose retry is fenced if the
    /// store did write it) is retried, anything else fails the pipeline.
    package mutating func commitFinished(_ result: Result<Void, StoreError>, now: Instant) {
        guard let commit = inFlight else { return }
        inFlight = nil
        switch result {
        case .success:
            booked(commit, now: now)
        case .failure(let error):
            pending.merge(earlier: commit.pending)
            if error.code == .fenced {
                setAsideFenced(error)
                if schedule.isCommitting { schedule.commitSucceeded() }  // a failing run goes on until a write succeeds
            } else if error.isTransient {
                record(.storeFailed(error))
                attemptFailed(error, now: now)
            } else {
                fail(error)
            }
        }
    }

    /// Books a written batch: the offsets it stored, the source's bookkeeping, statistics; ends a failure run.
    private mutating func booked(_ commit: InFlight, now: Instant) {
        let wasFailing = schedule.commitSucceeded()
        let next = ownership.committed(commit.batch)
        if !next.isEmpty { outbox.append(.tellSource(.commitOffsets(next))) }
        let duration = commit.started.duration(to: now)
        record(
            .committed(
                events: commit.batch.eventCount, counted: commit.pending.aggregator.countedCount, duration: duration))
        log(
            .debug, "batch committed",
            [
                "events": "\(commit.batch.eventCount)", "categories": "\(commit.batch.deltas.count)",
                "duration": "\(duration)",
            ])
        resumePaused()
        if wasFailing { log(.notice, "commits succeed again; consumption resumed") }
    }

    /// A commit attempt failed transiently (the store, or its dead letters): the schedule backs off, and past
    /// the retry budget consumption pauses and the pipeline reports not ready. A synchronous flush waits for
    /// its own backoff, within its deadline.
    mutating func attemptFailed(_ error: any Error, now: Instant) {
        let (delay, exhausted) = schedule.commitFailed(now: now, jitter: random.unit())
        if exhausted {
            let budget = settings.flush.retryBudget
            log(
                .error,
                "commits have failed for longer than the retry budget; pausing consumption and reporting not ready",
                ["budget": "\(budget)"])
            pauseOwned()  // before the flag, so that whoever sees the flag sees the pause too
        }
        record(.retrying(budgetExhausted: exhausted))
        let outcome =
            (error as? StoreError)?.code == .outcomeUnknown
            ? " (its outcome is unknown: a retry is fenced if it was written)" : ""
        log(.warning, "commit attempt failed\(outcome); retrying", ["delay": "\(delay)", "error": "\(error)"])
        guard var flush else { return }
        flush.attempts += 1
        if now < flush.deadline, stop < .abandoning {
            let backoff = settings.retry.delay(attempt: flush.attempts, random: random.unit())
            flush.retryAt = now.advanced(by: min(backoff, now.duration(to: flush.deadline)))
        } else {
            flush.gaveUp = true
        }
        self.flush = flush
    }

    /// Failed commits left nothing to commit (a fence or a revocation took the pending work): consumption
    /// resumes and readiness returns. The store is reported writable again only once a commit succeeds.
    mutating func failuresOutlived() {
        schedule.commitSucceeded()
        record(.failuresOutlived)
        resumePaused()
        log(.notice, "nothing is left to commit after the failed commits; consumption resumed")
    }

    /// One step of a synchronous flush: the next attempt, the wait before it, or `nil` once it is over
    /// (committed, given up, or the pipeline failed; the pending batch says which).
    mutating func flushStep(now: Instant) -> PipelineAction? {
        guard var flush, !pending.isEmpty, phase != .failed, !flush.gaveUp else { return nil }
        if let retryAt = flush.retryAt, now < retryAt {
            guard stop < .abandoning else { return nil }
            return .sleep(until: retryAt)
        }
        if flush.attempts > 0, stop == .abandoning { return nil }
        flush.retryAt = nil
        self.flush = flush
        return beginCommit(.synchronous, now: now, lettersUntil: flush.deadline, endsWith: .abandoning)
    }

    /// Pauses every owned partition not paused yet.
    mutating func pauseOwned() {
        let newly = ownership.pauseAll()
        if !newly.isEmpty { outbox.append(.tellSource(.pause(newly))) }
    }

    /// Resumes the paused partitions.
    mutating func resumePaused() {
        let resumed = ownership.resumeAll()
        if !resumed.isEmpty { outbox.append(.tellSource(.resume(resumed))) }
    }
}
