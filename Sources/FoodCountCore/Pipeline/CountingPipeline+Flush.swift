import CoreMetrics
import Foundation
import Logging
import Synchronization

extension CountingPipeline {
    /// One attempt to commit the pending batch, on this thread: first the outcome of the commit in flight,
    /// then dead letters, then counts and offsets in one store transaction, then the offsets to the source.
    /// - Parameter waitingUntil: How long dead letters may wait for acknowledgements; an abandoning stop ends
    ///   that wait too.
    /// - Returns: `true` when committed (or nothing was pending), `false` after a transient failure.
    /// - Throws: A failure that retrying cannot fix.
    func attemptFlush(waitingUntil deadline: ContinuousClock.Instant) throws -> Bool {
        dueWhileCommitting = false  // this flush takes the pending batch, whatever happens to it
        guard try settleCommit(waiting: true) else { return false }
        guard !aggregator.isEmpty else {
            batchStarted = nil
            return true
        }
        let started = ContinuousClock.now
        if !deadLetters.isEmpty, !sendDeadLetters(until: deadline, stopping: { isAbandoning }) { return false }
        while true {
            let batch = aggregator.makeBatch(expected: owned, logIDs: logIDs)
            let failure: StoreError
            do {
                lastCommitStart = started
                try store.commit(batch)
                let counted = aggregator.countedCount
                aggregator.reset()
                batchStarted = nil
                finishFlush(batch, counted: counted, started: started)
                return true
            } catch {
                failure = error
            }
            if failure.code == .fenced {
                setAsideFenced(failure)
                if aggregator.isEmpty {
                    batchStarted = nil
                    return true
                }
                continue
            }
            guard failure.isTransient else { throw failure }
            noteStoreFailure(failure)
            return false
        }
    }

    /// Marks the store unwritable and counts the failed attempt.
    func noteStoreFailure(_ failure: StoreError) {
        healthBox.withLock {
            $0.storeWritable = false
            $0.lastError = "\(failure)"
        }
        noteFailure(failure)
    }

    /// Sends pending dead letters; keeps those that failed. Returns whether all were acknowledged.
    /// - Parameters:
    ///   - deadline: When to stop waiting for acknowledgements.
    ///   - stopping: Whether waiting should end now.
    func sendDeadLetters(until deadline: ContinuousClock.Instant, stopping: () -> Bool) -> Bool {
        guard let deadLetterSink else { return true }
        let results = deadLetterSink.send(deadLetters, deadline: deadline, shouldStop: stopping)
        var remaining: [DeadLetter] = []
        var firstError: (any Error)?
        for (letter, result) in zip(deadLetters, results) {
            if let result {
                remaining.append(letter)
                firstError = firstError ?? result
            }
        }
        if results.count < deadLetters.count { remaining += deadLetters[results.count...] }
        record(.deadLettered(deadLetters.count - remaining.count))
        deadLetters = remaining
        guard let firstError else {
            healthBox.withLock { $0.deadLetterWritable = true }
            return true
        }
        healthBox.withLock {
            $0.deadLetterWritable = false
            $0.lastError = "dead-letter write failed: \(firstError)"
        }
        record(.deadLetterFailures(remaining.count))
        noteFailure(firstError)
        return false
    }

    /// Flushes from the run loop; on a transient failure schedules the next attempt with backoff.
    ///
    /// While commits succeed, the batch goes to the commit worker and polling goes on (one commit in flight
    /// at a time); after a failure, commits are synchronous until one succeeds again.
    func flushFromLoop() throws {
        if retry.failingSince == nil {
            guard try settleCommit(waiting: true) else { return scheduleRetry() }
            if aggregator.isEmpty {
                batchStarted = nil
            } else if !startCommit() {
                scheduleRetry()
            }
            return
        }
        guard try attemptFlush(waitingUntil: .now + configuration.deadLetterTimeout) else { return scheduleRetry() }
        recovered()
    }

    /// Schedules the next attempt after a failed one, with backoff; past the retry budget, pauses
    /// consumption and reports not ready.
    func scheduleRetry() {
        dueWhileCommitting = false  // the retry's backoff decides now
        retry.attempts += 1
        let now = ContinuousClock.now
        let since = retry.failingSince ?? now
        retry.failingSince = since
        let delay = configuration.retry.delay(attempt: retry.attempts)
        retry.nextAttempt = now + delay
        if now - since >= configuration.retryBudget, !health.retryBudgetExhausted {
            logger.error(
                "commits have failed for longer than the retry budget; pausing consumption and reporting not ready",
                metadata: ["budget": "\(configuration.retryBudget)", "attempts": "\(retry.attempts)"])
            pauseOwnedPartitions()  // before the flag, so that whoever sees the flag sees the pause too
            healthBox.withLock { $0.retryBudgetExhausted = true }
        }
        logger.warning("commit failed; retrying", metadata: ["attempt": "\(retry.attempts)", "delay": "\(delay)"])
    }

    /// Flushes now, retrying with backoff for at most `budget` (for revocation and shutdown).
    /// - Returns: Whether the batch was committed.
    func flushRetrying(budget: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + budget
        var attempt = 0
        while true {
            if try attemptFlush(waitingUntil: deadline) {
                recovered()
                return true
            }
            attempt += 1
            guard ContinuousClock.now < deadline, stopState.withLock({ $0 != .abandoning }) else { return false }
            pause(min(configuration.retry.delay(attempt: attempt), deadline - ContinuousClock.now))
        }
    }

    func noteFailure(_ error: any Error) {
        record(.retry)
        logger.warning("commit attempt failed", metadata: ["error": "\(error)"])
    }

    /// Clears the failure state after a successful commit, resuming paused partitions.
    func recovered() {
        let wasFailing = retry.failingSince != nil
        retry = RetryState()
        healthBox.withLock {
            $0.storeWritable = true
            $0.deadLetterWritable = true
            $0.retryBudgetExhausted = false
            $0.lastError = nil
        }
        if !paused.isEmpty {
            source.resume(Array(paused.filter { owned[$0] != nil }))
            paused.removeAll()
        }
        if wasFailing { logger.notice("commits succeed again; consumption resumed") }
    }

    func pauseOwnedPartitions() {
        let toPause = Set(owned.keys).subtracting(paused)
        guard !toPause.isEmpty else { return }
        source.pause(Array(toPause))
        paused.formUnion(toPause)
    }

    /// Pauses partitions assigned while the pipeline is degraded.
    func keepPausedWhileDegraded() {
        guard !paused.isEmpty else { return }
        pauseOwnedPartitions()
    }

    /// After a fenced commit: drops this member's pending work of the fenced partitions, whose stored offsets
    /// another member (or a person) moved, and stops counting them until ``continueFencedPartitions()``
    /// moves them to their stored offsets. The partitions stay owned: librdkafka keeps them assigned.
    func setAsideFenced(_ error: StoreError) {
        let partitions = error.partitions.filter { owned[$0] != nil }
        logger.warning(
            "a commit was fenced: the stored offsets moved on without this member; dropping its pending work of those partitions and continuing them from the stored offsets",
            metadata: ["partitions": "\(partitions.sorted())", "error": "\(error)"])
        dropPendingWork(of: partitions)
        fencedPartitions.formUnion(partitions)
        record(.fenced)
    }

    /// Moves fenced partitions to their stored offsets and counts them again from there. A move that fails
    /// is tried again on the next turn of the loop; a stored offset that vanished stops the pipeline, since
    /// any start would be a guess.
    func continueFencedPartitions() throws {
        guard !fencedPartitions.isEmpty else { return }
        let partitions = fencedPartitions.sorted()
        let stored = try readingStoreRetrying { () throws(StoreError) in try store.storedOffsets(for: partitions) }
        if let missing = partitions.first(where: { stored[$0] == nil }) {
            throw StoreError(
                code: .inconsistent,
                message:
                    "the stored offset of \(missing) vanished while this member owned the partition; refusing to guess where to continue"
            )
        }
        do {
            try source.seek(stored)
        } catch {
            logger.warning("cannot move fenced partitions yet; trying again", metadata: ["error": "\(error)"])
            return
        }
        for (partition, offset) in stored { owned[partition] = offset }
        fencedPartitions.removeAll()
        logger.notice(
            "continuing fenced partitions from their stored offsets",
            metadata: ["offsets": "\(stored.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"])
    }

    /// Drops the pending work of partitions: their counts, offsets and dead letters.
    func dropPendingWork(of partitions: [SourcePartition]) {
        let gone = Set(partitions)
        aggregator.remove(partitions)
        deadLetters.removeAll { gone.contains($0.record.partition) }
        if aggregator.isEmpty { batchStarted = nil }
    }

    /// Drops the pending work of partitions and stops owning them.
    func forget(_ partitions: [SourcePartition]) {
        dropPendingWork(of: partitions)
        for partition in partitions {
            owned.removeValue(forKey: partition)
            logIDs.removeValue(forKey: partition)
            fencedPartitions.remove(partition)
        }
        paused.subtract(partitions)
        record(.owned(owned.count))
    }

    /// Books a committed batch: the offsets it stored, the source's own bookkeeping, statistics and metrics.
    func finishFlush(_ batch: CountBatch, counted: Int, started: ContinuousClock.Instant) {
        var next: [SourcePartition: Int64] = [:]
        for (partition, advance) in batch.offsets where owned[partition] != nil {
            owned[partition] = advance.next
            next[partition] = advance.next
        }
        source.commit(next)
        record(.committed(counted: counted, events: batch.eventCount, since: started))
        logger.debug(
            "batch committed",
            metadata: [
                "events": "\(batch.eventCount)", "categories": "\(batch.deltas.count)",
                "duration": "\(ContinuousClock.now - started)",
            ])
    }

    /// Sleeps in short slices so that an abandoning stop is noticed quickly.
    func pause(_ delay: Duration) {
        let deadline = ContinuousClock.now + delay
        while ContinuousClock.now < deadline, stopState.withLock({ $0 != .abandoning }) {
            let slice = min(.milliseconds(50), deadline - ContinuousClock.now)
            Thread.sleep(forTimeInterval: max(0, slice.seconds))
        }
    }
}
