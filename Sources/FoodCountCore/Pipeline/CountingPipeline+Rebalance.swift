import CoreMetrics
import Logging
import Synchronization

extension CountingPipeline {
    /// Starts each assigned partition at the store's next offset.
    public func partitionsAssigned(_ partitions: [SourcePartition]) -> [SourcePartition: Int64] {
        endRun()  // ownership changes: the next record starts a new run
        let stored: [SourcePartition: Int64]
        do {
            stored = try storedOffsetsRetrying(partitions)
        } catch {
            // Without the stored offsets any start would be a guess: own nothing, stop the pipeline.
            logger.error("cannot read stored offsets; not consuming", metadata: ["error": "\(error)"])
            failure = error
            return [:]
        }
        for partition in partitions { owned[partition] = .some(stored[partition]) }
        statisticsBox.withLock { $0.assignedPartitions = owned.count }
        metrics.assigns.increment()
        metrics.assigned.record(owned.count)
        logger.info(
            "starting partitions at stored offsets",
            metadata: ["offsets": "\(partitions.sorted().map { "\($0)=\(stored[$0].map(String.init) ?? "reset")" })"])
        return stored
    }

    /// Flushes pending work before the partitions go, or drops it if the assignment was lost.
    public func partitionsRevoked(_ partitions: [SourcePartition], lost: Bool) {
        endRun()  // the current run's tally belongs to the batch being flushed or dropped
        (lost ? metrics.losses : metrics.revokes).increment()
        do {
            _ = try settleCommit(waiting: true)  // a failed batch is back in the pending one, flushed or dropped below
        } catch {
            logger.error("commit before revocation failed", metadata: ["error": "\(error)"])
            failure = error
        }
        if lost || failure != nil {
            logger.warning("assignment lost; dropping pending work", metadata: ["partitions": "\(partitions.sorted())"])
        } else {
            do {
                if try !flushRetrying(budget: configuration.revocationRetryBudget) {
                    logger.warning(
                        "cannot commit before the partitions go; their pending work is dropped and will be read again by the next owner",
                        metadata: ["partitions": "\(partitions.sorted())"])
                }
            } catch {
                logger.error("flush on revocation failed", metadata: ["error": "\(error)"])
                failure = error
            }
        }
        forget(partitions)
    }

    private func storedOffsetsRetrying(_ partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        var attempt = 0
        while true {
            let failure: StoreError
            do {
                return try store.storedOffsets(for: partitions)
            } catch {
                failure = error
            }
            guard failure.isTransient, stopState.withLock({ $0 == .running }) else { throw failure }
            attempt += 1
            let delay = configuration.retry.delay(attempt: attempt)
            logger.warning(
                "reading stored offsets failed; retrying", metadata: ["delay": "\(delay)", "error": "\(failure)"])
            pause(delay)
        }
    }
}
