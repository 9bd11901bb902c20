import CoreMetrics
import Foundation
import Metrics
import Synchronization

/// Where the pipeline records what happened: each event is one call, which updates the statistics, the
/// health and the metrics together, so that they cannot drift apart. Safe from any thread; the pipeline
/// records from its own, readers (`/readyz`, `/metrics`, tests) read from theirs.
final class PipelineRecorder: Sendable {
    private struct State {
        var statistics = PipelineStatistics()
        var health = PipelineHealth()
        var metrics = PipelineMetrics()
    }

    private let state = Mutex(State())

    /// What the pipeline has done so far.
    var statistics: PipelineStatistics { state.withLock { $0.statistics } }

    /// The pipeline's health now.
    var health: PipelineHealth { state.withLock { $0.health } }

    /// The pipeline started or stopped running.
    func running(_ isRunning: Bool) {
        state.withLock { $0.health.isRunning = isRunning }
    }

    /// A poll visited a run of records of a partition: `dropped` of them not owned, `invalid` rejected.
    func consumed(_ count: Int, from partition: SourcePartition, dropped: Int = 0, invalid: Int = 0) {
        state.withLock {
            $0.statistics.recordsPolled += count
            $0.statistics.recordsDropped += dropped
            $0.statistics.eventsInvalid += invalid
            $0.metrics.consumed(count, from: partition)
        }
    }

    /// A batch was committed; commits work again.
    func committed(_ batch: CountBatch, counted: Int, started: ContinuousClock.Instant) {
        state.withLock {
            $0.statistics.flushes += 1
            $0.statistics.eventsCommitted += counted
            $0.health.storeWritable = true
            $0.health.deadLetterWritable = true
            $0.health.retryBudgetExhausted = false
            $0.health.lastError = nil
            $0.metrics.counted.increment(by: counted)
            $0.metrics.flushTimer.record(duration: ContinuousClock.now - started)
            $0.metrics.batchSizes.record(batch.eventCount)
            $0.metrics.lastCommitTime.record(Date().timeIntervalSince1970)
        }
    }

    /// Failed commits left nothing to commit: consumption no longer waits for the store.
    func failuresOutlived() {
        state.withLock { $0.health.retryBudgetExhausted = false }
    }

    /// A commit failed in the store.
    func storeFailed(_ error: StoreError) {
        state.withLock {
            $0.health.storeWritable = false
            $0.health.lastError = "\(error)"
        }
    }

    /// Dead letters were sent: `acknowledged` of them made it; the others failed with `error`.
    func deadLettersSent(acknowledged: Int, failed: Int, error: (any Error)?) {
        state.withLock {
            $0.statistics.deadLettered += acknowledged
            $0.metrics.deadLettered.increment(by: acknowledged)
            $0.health.deadLetterWritable = failed == 0
            guard failed > 0 else { return }
            $0.statistics.deadLetterFailures += failed
            $0.metrics.deadLetterFailureCount.increment(by: failed)
            $0.health.lastError = "dead-letter write failed: \(error.map { "\($0)" } ?? "no answer")"
        }
    }

    /// A failed attempt will be retried; `budgetExhausted` when failures just outlasted the retry budget.
    func retrying(budgetExhausted: Bool) {
        state.withLock {
            $0.statistics.flushRetries += 1
            $0.metrics.retries.increment()
            if budgetExhausted { $0.health.retryBudgetExhausted = true }
        }
    }

    /// A commit was fenced.
    func fenced() {
        state.withLock {
            $0.statistics.batchesFenced += 1
            $0.metrics.fenced.increment()
        }
    }

    /// Partitions were assigned (`assigned`), revoked or lost; the member now owns `owned` partitions.
    func rebalanced(assigned: Bool = false, lost: Bool = false, owned: Int) {
        state.withLock {
            $0.statistics.assignedPartitions = owned
            $0.metrics.assigned.record(owned)
            (assigned ? $0.metrics.assigns : lost ? $0.metrics.losses : $0.metrics.revokes).increment()
        }
    }

    /// A partition's log was recreated since its offset was stored.
    func logRecreated() {
        state.withLock { $0.metrics.recreatedLogs.increment() }
    }
}
