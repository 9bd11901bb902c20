import Logging

extension CountingPipeline {
    /// Starts each assigned partition at the store's next offset, or at the beginning of its log when the log
    /// was recreated since that offset was stored (its identity changed).
    func partitionsAssigned(
        _ partitions: [SourcePartition],
        logIDs current: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] {
        confinement.assertConfined("partitionsAssigned")
        let (stored, storedLogIDs): ([SourcePartition: Int64], [SourcePartition: String])
        do {
            (stored, storedLogIDs) = try retries.readingStore { () throws(StoreError) in
                (try store.storedOffsets(for: partitions), try store.storedLogIDs(for: partitions))
            }
        } catch {
            // Without the stored offsets any start would be a guess: own nothing, stop the pipeline.
            logger.error("cannot read stored offsets; not consuming", metadata: ["error": "\(error)"])
            failure = error
            return [:]
        }
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

    /// Flushes pending work before the partitions go, or drops it if the assignment was lost.
    func partitionsRevoked(_ partitions: [SourcePartition], lost: Bool) {
        confinement.assertConfined("partitionsRevoked")
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
        recorder.rebalanced(lost: lost, owned: ownership.count)
    }

    /// Drops the pending work of partitions and stops owning them.
    func forget(_ partitions: [SourcePartition]) {
        pending.forget(partitions)
        ownership.release(partitions)
    }

    /// After a fenced commit: drops this member's pending work of the fenced partitions, whose stored offsets
    /// another member (or a person) moved, and stops counting them until ``continueFencedPartitions()``
    /// moves them to their stored offsets. The partitions stay owned: librdkafka keeps them assigned.
    func setAsideFenced(_ error: StoreError) {
        let partitions = ownership.fence(error.partitions)
        logger.warning(
            "a commit was fenced: the stored offsets moved on without this member; dropping its pending work of those partitions and continuing them from the stored offsets",
            metadata: ["partitions": "\(partitions.sorted())", "error": "\(error)"])
        pending.forget(partitions)
        recorder.fenced()
    }

    /// Moves fenced partitions to their stored offsets and counts them again from there. A move that fails
    /// is tried again on the next turn of the loop; a stored offset that vanished stops the pipeline, since
    /// any start would be a guess.
    func continueFencedPartitions() throws {
        guard !ownership.fenced.isEmpty else { return }
        let partitions = ownership.fenced.sorted()
        let stored = try retries.readingStore { () throws(StoreError) in try store.storedOffsets(for: partitions) }
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
