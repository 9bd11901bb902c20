import Logging

/// Keeps the pipeline's books: when the pending batch commits (``FlushSchedule``) and which partitions it owns,
/// with the offsets the store holds for them (``Ownership``), and what each event does to them: a commit's
/// outcome, an assignment, a revocation, a fence. It tells the source its share of the books (committed
/// offsets, pauses and resumes, the moves of fenced partitions), and records and logs each event.
///
/// Nothing here waits on the store, the commit worker, the dead-letter sink or a backoff: those, polling and
/// the retries are the pipeline's, and the source hears only its own bookkeeping calls. So every rule here
/// is tested on a manual clock and an in-memory source, without threads (`BookkeeperTests`). Confined to
/// the pipeline's thread.
struct Bookkeeper<C: Clock> where C.Duration == Duration {
    /// When the pending batch commits; the loop asks it what to do and tells it how polls went.
    var schedule: FlushSchedule<C>
    /// The partitions owned, with the offsets the store holds for them, fenced and paused.
    private(set) var ownership = Ownership()
    let source: any EventSource
    let recorder: PipelineRecorder
    let logger: Logger

    /// Creates books that own nothing yet.
    init(schedule: FlushSchedule<C>, source: any EventSource, recorder: PipelineRecorder, logger: Logger) {
        self.schedule = schedule
        self.source = source
        self.recorder = recorder
        self.logger = logger
    }

    // MARK: Commits

    /// A commit of the pending batch begins: on the worker (`inBackground`), or synchronously. Takes the
    /// pending work (whose dead letters are sent) into the commit, as a store batch that expects the offsets
    /// the store holds.
    mutating func beginCommit(
        taking pending: inout PendingBatch,
        started: ContinuousClock.Instant,
        inBackground: Bool
    ) -> CommitWorker.Commit {
        let batch = ownership.makeBatch(pending)
        schedule.commitBegan(inBackground: inBackground)
        return CommitWorker.Commit(pending: pending.take(), batch: batch, started: started)
    }

    /// Books the outcome of a commit. A failed batch's records go back into the pending batch, ahead of the
    /// newer ones, and commit with them later: the store wrote nothing of it, and the newer records' offsets
    /// follow its own.
    /// - Returns: `false` when the commit failed transiently (the schedule then waits for a retry).
    /// - Throws: A store failure that retrying cannot fix.
    mutating func settle(
        _ commit: CommitWorker.Commit,
        _ result: Result<Void, StoreError>,
        pending: inout PendingBatch
    ) throws(StoreError) -> Bool {
        switch result {
        case .success:
            committed(commit.batch, counted: commit.pending.aggregator.countedCount, started: commit.started)
            return true
        case .failure(let failure):
            pending.merge(earlier: commit.pending)
            return try failed(failure, pending: &pending)
        }
    }

    /// Books a committed batch: the offsets it stored, the source's own bookkeeping, statistics and metrics;
    /// and ends a failure state.
    private mutating func committed(_ batch: CountBatch, counted: Int, started: ContinuousClock.Instant) {
        let wasFailing = schedule.commitSucceeded()
        source.commit(ownership.committed(batch))
        recorder.committed(batch, counted: counted, started: started)
        logger.debug(
            "batch committed",
            metadata: [
                "events": "\(batch.eventCount)", "categories": "\(batch.deltas.count)",
                "duration": "\(ContinuousClock.now - started)",
            ])
        resumePausedPartitions()
        if wasFailing { logger.notice("commits succeed again; consumption resumed") }
    }

    /// Handles a failed commit: a fence sets the partitions aside and drops their pending work, a transient
    /// failure waits for a retry.
    /// - Returns: `true` after a fence (which is no store failure), `false` after a transient failure.
    /// - Throws: `failure` when retrying cannot fix it.
    private mutating func failed(_ failure: StoreError, pending: inout PendingBatch) throws(StoreError) -> Bool {
        if failure.code == .fenced {
            setAsideFenced(failure, pending: &pending)
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
    mutating func retryLater(after error: any Error) {
        let (delay, exhausted) = schedule.commitFailed()
        if exhausted {
            logger.error(
                "commits have failed for longer than the retry budget; pausing consumption and reporting not ready",
                metadata: ["budget": "\(schedule.rules.retryBudget)"])
            pauseOwnedPartitions()  // before the flag, so that whoever sees the flag sees the pause too
        }
        recorder.retrying(budgetExhausted: exhausted)
        logger.warning("commit attempt failed; retrying", metadata: ["delay": "\(delay)", "error": "\(error)"])
    }

    /// Ends a run of failures that left nothing to commit (a fence, or a revocation, took the pending work):
    /// nothing waits for the store any more, so consumption resumes and readiness returns. The store is
    /// reported writable again only once a commit succeeds.
    mutating func failuresOutlived() {
        schedule.commitSucceeded()
        recorder.failuresOutlived()
        resumePausedPartitions()
        logger.notice("nothing is left to commit after the failed commits; consumption resumed")
    }

    // MARK: Pauses

    /// Pauses consumption when a failing store holds a full batch, until it commits.
    mutating func pauseIfFull(_ pending: FlushSchedule<C>.Pending) {
        guard schedule.shouldPauseForFullBatch(pending), ownership.paused.isEmpty else { return }
        logger.warning(
            "pausing consumption until the pending batch commits", metadata: ["records": "\(pending.records)"])
        pauseOwnedPartitions()
    }

    /// Pauses the partitions assigned while consumption was paused, like the others.
    mutating func pauseNewlyAssigned() {
        if !ownership.paused.isEmpty { pauseOwnedPartitions() }
    }

    /// Pauses every owned partition not paused yet.
    private mutating func pauseOwnedPartitions() {
        let newly = ownership.pauseAll()
        if !newly.isEmpty { source.pause(newly) }
    }

    private mutating func resumePausedPartitions() {
        let resumed = ownership.resumeAll()
        if !resumed.isEmpty { source.resume(resumed) }
    }

    // MARK: Partitions

    /// Takes assigned partitions, with the offsets and log identities the store holds for them, and says where
    /// each starts (see ``Ownership/assign(_:stored:storedLogIDs:logIDs:)``); warns of recreated logs.
    mutating func assigned(
        _ partitions: [SourcePartition],
        stored: [SourcePartition: Int64],
        storedLogIDs: [SourcePartition: String],
        logIDs current: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] {
        let starts = ownership.assign(partitions, stored: stored, storedLogIDs: storedLogIDs, logIDs: current)
        for partition in partitions where starts[partition] == .beginning {
            logger.warning(
                "the partition's log was recreated since its offset was stored (its topic ID changed); counting the new log from its beginning",
                metadata: [
                    "partition": "\(partition)", "stored_offset": "\(stored[partition] ?? 0)",
                    "stored_topic_id": "\(storedLogIDs[partition] ?? "")", "topic_id": "\(current[partition] ?? "")",
                ])
            recorder.logRecreated()
        }
        recorder.rebalanced(assigned: true, owned: ownership.count)
        logger.info(
            "starting partitions at stored offsets",
            metadata: ["offsets": "\(partitions.sorted().map { "\($0)=\(starts[$0].map { "\($0)" } ?? "reset")" })"])
        return starts
    }

    /// Stops owning revoked or lost partitions, and drops their pending work: none is left when it was
    /// committed first, or it is `dropped` (which is logged).
    mutating func released(_ partitions: [SourcePartition], dropped: RevocationDrop?, pending: inout PendingBatch) {
        if let dropped { logger.warning(dropped.message, metadata: ["partitions": "\(partitions.sorted())"]) }
        pending.forget(partitions)
        ownership.release(partitions)
        recorder.rebalanced(lost: dropped == .lost, owned: ownership.count)
    }

    /// After a fenced commit: drops this member's pending work of the fenced partitions, whose stored offsets
    /// another member (or a person) moved, and stops counting them until ``continueFenced(at:)`` moves them
    /// to their stored offsets. The partitions stay owned: librdkafka keeps them assigned.
    private mutating func setAsideFenced(_ error: StoreError, pending: inout PendingBatch) {
        let partitions = ownership.fence(error.partitions)
        logger.warning(
            "a commit was fenced: the stored offsets moved on without this member; dropping its pending work of those partitions and continuing them from the stored offsets",
            metadata: ["partitions": "\(partitions.sorted())", "error": "\(error)"])
        pending.forget(partitions)
        recorder.fenced()
    }

    /// Moves the fenced partitions to the offsets the store holds for them, and counts them again from there.
    /// A move that fails is tried again on the next turn of the loop.
    /// - Throws: `inconsistent` when a fenced partition's stored offset vanished: any start would be a guess.
    mutating func continueFenced(at stored: [SourcePartition: Int64]) throws(StoreError) {
        try ownership.checkFencedStored(stored)
        do {
            try source.seek(stored)
        } catch {
            logger.warning("cannot move fenced partitions yet; trying again", metadata: ["error": "\(error)"])
            return
        }
        ownership.continueFenced(at: stored)
        logger.notice(
            "continuing fenced partitions from their stored offsets",
            metadata: ["offsets": "\(stored.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"])
    }
}
