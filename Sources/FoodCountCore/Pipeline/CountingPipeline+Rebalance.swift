import CoreMetrics
import Logging
import Synchronization

extension CountingPipeline {
    /// Starts each assigned partition at the store's next offset, or at the beginning of its log when the log
    /// was recreated since that offset was stored (its identity changed).
    public func partitionsAssigned(
        _ partitions: [SourcePartition],
        logIDs current: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] {
        endRun()  // ownership changes: the next record starts a new run
        let stored: [SourcePartition: Int64]
        let storedLogIDs: [SourcePartition: String]
        do {
            stored = try readingStoreRetrying { () throws(StoreError) in try store.storedOffsets(for: partitions) }
            storedLogIDs = try readingStoreRetrying { () throws(StoreError) in try store.storedLogIDs(for: partitions) }
        } catch {
            // Without the stored offsets any start would be a guess: own nothing, stop the pipeline.
            logger.error("cannot read stored offsets; not consuming", metadata: ["error": "\(error)"])
            failure = error
            return [:]
        }
        var starts: [SourcePartition: PartitionStart] = [:]
        for partition in partitions {
            owned[partition] = .some(stored[partition])
            logIDs[partition] = current[partition]
            fencedPartitions.remove(partition)
            guard let offset = stored[partition] else { continue }
            let was = storedLogIDs[partition]
            let now = current[partition]
            starts[partition] = .offset(offset, sameLog: was != nil && was == now)
            if let was, let now, was != now {
                logger.warning(
                    "the partition's log was recreated since its offset was stored (its topic ID changed); counting the new log from its beginning",
                    metadata: [
                        "partition": "\(partition)", "stored_offset": "\(offset)", "stored_topic_id": "\(was)",
                        "topic_id": "\(now)",
                    ])
                metrics.recreatedLogs.increment()
                starts[partition] = .beginning
            }
        }
        record(.assigned(owning: owned.count))
        logger.info(
            "starting partitions at stored offsets",
            metadata: ["offsets": "\(partitions.sorted().map { "\($0)=\(starts[$0].map(Self.describe) ?? "reset")" })"])
        return starts
    }

    private static func describe(_ start: PartitionStart) -> String {
        switch start {
        case .offset(let offset, _): return String(offset)
        case .beginning: return "beginning"
        }
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
        if lost {
            logger.warning("assignment lost; dropping pending work", metadata: ["partitions": "\(partitions.sorted())"])
        } else if failure != nil {
            logger.warning(
                "the pipeline failed; dropping pending work of revoked partitions",
                metadata: ["partitions": "\(partitions.sorted())"])
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

    /// Reads from the store, retrying transient failures with backoff while the pipeline runs.
    func readingStoreRetrying<Value>(_ read: () throws(StoreError) -> Value) throws(StoreError) -> Value {
        var attempt = 0
        while true {
            let failure: StoreError
            do {
                return try read()
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
