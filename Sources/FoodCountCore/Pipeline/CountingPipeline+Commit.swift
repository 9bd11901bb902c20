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
        let batch = books.beginCommit(of: pending, inBackground: true)
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
            books.committed(commit.batch, counted: commit.pending.aggregator.countedCount, started: commit.started)
            return true
        case .failure(let failure):
            pending.merge(earlier: commit.pending)
            return try books.failed(failure, pending: &pending)
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
            let batch = books.beginCommit(of: pending, inBackground: false)
            do throws(StoreError) {
                try store.commit(batch)
            } catch {
                guard try books.failed(error, pending: &pending) else { return false }
                continue  // fenced: the other partitions commit now
            }
            let counted = pending.aggregator.countedCount
            pending.reset()
            books.committed(batch, counted: counted, started: started)
        }
        return true
    }

    /// Flushes now, retrying with backoff for at most `budget` (for revocation and shutdown).
    /// - Returns: Whether the batch was committed.
    func flushRetrying(budget: Duration) throws -> Bool {
        try retries.retrying(within: budget) { try attemptFlush(waitingUntil: $0) }
    }
}
