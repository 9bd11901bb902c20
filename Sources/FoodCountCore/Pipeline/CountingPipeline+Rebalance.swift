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
        var dropped = RevocationDrop(lost: lost, pipelineFailed: failure != nil)
        if dropped == nil {
            do {
                if try !flushRetrying(budget: configuration.revocationRetryBudget) { dropped = .notCommitted }
            } catch {
                logger.error("flush on revocation failed", metadata: ["error": "\(error)"])
                failure = error
            }
        }
        books.released(partitions, dropped: dropped, pending: &pending)
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
