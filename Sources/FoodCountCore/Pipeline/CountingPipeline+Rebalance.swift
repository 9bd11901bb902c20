import Logging

extension CountingPipeline {
    /// Starts each assigned partition at the store's next offset, or at the beginning of its log when the log
    /// was recreated since that offset was stored (its identity changed).
    func partitionsAssigned(
        _ partitions: [SourcePartition],
        logIDs current: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] {
        confinement.assertConfined("partitionsAssigned")
        do {
            let (stored, storedLogIDs) = try retries.readingStore { () throws(StoreError) in
                (try store.storedOffsets(for: partitions), try store.storedLogIDs(for: partitions))
            }
            return books.assigned(partitions, stored: stored, storedLogIDs: storedLogIDs, logIDs: current)
        } catch {
            // Without the stored offsets any start would be a guess: own nothing, stop the pipeline.
            logger.error("cannot read stored offsets; not consuming", metadata: ["error": "\(error)"])
            failure = error
            return [:]
        }
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
        pending.forget(partitions)
        books.released(partitions, lost: lost)
    }

    /// Moves fenced partitions to their stored offsets and counts them again from there (see
    /// ``Bookkeeper/continueFenced(at:)``).
    func continueFencedPartitions() throws {
        guard !books.ownership.fenced.isEmpty else { return }
        let partitions = books.ownership.fenced.sorted()
        let stored = try retries.readingStore { () throws(StoreError) in try store.storedOffsets(for: partitions) }
        try books.continueFenced(at: stored)
    }
}
