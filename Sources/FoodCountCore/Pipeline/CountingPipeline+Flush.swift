import Foundation
import Logging
import Synchronization

extension CountingPipeline {
    /// Commits the pending batch, retrying transient store failures with backoff.
    ///
    /// Offsets are stored in the same transaction as the deltas; only after that commit are they
    /// reported to the source. A fenced partition's share is dropped and the rest retried.
    func flush() throws {
        guard !aggregator.isEmpty else {
            batchStarted = nil
            return
        }
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            let batch = aggregator.makeBatch(expected: owned)
            let failure: StoreError
            do {
                try store.commit(batch)
                finishFlush(batch, started: started)
                return
            } catch {
                failure = error
            }
            if failure.code == .fenced {
                dropFenced(failure)
                if aggregator.isEmpty {
                    batchStarted = nil
                    return
                }
                continue
            }
            guard failure.isTransient else { throw failure }
            attempt += 1
            statisticsBox.withLock { $0.flushRetries += 1 }
            if giveUpRetrying(startedAt: started) {
                logger.warning(
                    "giving up on the pending batch at shutdown; its offsets were not stored, so it will be read again",
                    metadata: ["events": "\(aggregator.recordCount)", "error": "\(failure)"])
                aggregator.reset()
                batchStarted = nil
                return
            }
            let delay = configuration.retry.delay(attempt: attempt)
            logger.warning(
                "store commit failed; retrying",
                metadata: ["attempt": "\(attempt)", "delay": "\(delay)", "error": "\(failure)"])
            pause(delay)
        }
    }

    private func dropFenced(_ error: StoreError) {
        logger.error(
            "another consumer moved on; dropping this member's stale work for those partitions",
            metadata: ["partitions": "\(error.partitions.sorted())", "error": "\(error)"])
        aggregator.remove(error.partitions)
        for partition in error.partitions { owned.removeValue(forKey: partition) }
        statisticsBox.withLock {
            $0.batchesFenced += 1
            $0.assignedPartitions = owned.count
        }
    }

    private func finishFlush(_ batch: CountBatch, started: ContinuousClock.Instant) {
        var next: [SourcePartition: Int64] = [:]
        for (partition, advance) in batch.offsets {
            owned[partition] = advance.next
            next[partition] = advance.next
        }
        let counted = aggregator.countedCount
        aggregator.reset()
        batchStarted = nil
        source.commit(next)
        statisticsBox.withLock {
            $0.flushes += 1
            $0.eventsCommitted += counted
        }
        logger.debug(
            "batch committed",
            metadata: [
                "events": "\(batch.eventCount)", "categories": "\(batch.deltas.count)",
                "duration": "\(ContinuousClock.now - started)",
            ])
    }

    private func giveUpRetrying(startedAt: ContinuousClock.Instant) -> Bool {
        switch stopState.withLock({ $0 }) {
        case .running: return false
        case .abandoning: return true
        case .stopping: return ContinuousClock.now - startedAt > configuration.shutdownRetryBudget
        }
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
