import Foundation
import Metrics
import Synchronization

/// Something the pipeline did that both its ``PipelineStatistics`` and its metrics count: recorded once,
/// with ``CountingPipeline/record(_:)``, which updates both.
enum PipelineEvent {
    /// Records the dead-letter sink acknowledged.
    case deadLettered(Int)
    /// Dead-letter writes that failed and will be retried.
    case deadLetterFailures(Int)
    /// A commit attempt failed and will be retried.
    case retry
    /// A batch was refused because another member had moved on.
    case fenced
    /// Partitions were assigned; the member now owns `owning`.
    case assigned(owning: Int)
    /// The member now owns this many partitions (after some were revoked or fenced).
    case owned(Int)
    /// A batch committed: `counted` events counted, `events` records in it, its flush started at `since`.
    case committed(counted: Int, events: Int, since: ContinuousClock.Instant)

    /// Adds the event to the statistics.
    func apply(to statistics: inout PipelineStatistics) {
        switch self {
        case .deadLettered(let count): statistics.deadLettered += count
        case .deadLetterFailures(let count): statistics.deadLetterFailures += count
        case .retry: statistics.flushRetries += 1
        case .fenced: statistics.batchesFenced += 1
        case .assigned(let owning), .owned(let owning): statistics.assignedPartitions = owning
        case .committed(let counted, _, _):
            statistics.flushes += 1
            statistics.eventsCommitted += counted
        }
    }

    /// Adds the event to the metrics.
    func apply(to metrics: PipelineMetrics) {
        switch self {
        case .deadLettered(let count): metrics.deadLettered.increment(by: count)
        case .deadLetterFailures(let count): metrics.deadLetterFailureCount.increment(by: count)
        case .retry: metrics.retries.increment()
        case .fenced: metrics.fenced.increment()
        case .assigned(let owning):
            metrics.assigns.increment()
            metrics.assigned.record(owning)
        case .owned(let owning): metrics.assigned.record(owning)
        case .committed(let counted, let events, let started):
            metrics.counted.increment(by: counted)
            metrics.flushTimer.record(duration: ContinuousClock.now - started)
            metrics.batchSizes.record(events)
            metrics.lastCommitTime.record(Date().timeIntervalSince1970)
        }
    }
}

extension CountingPipeline {
    /// Records an event once: in the statistics and in the metrics.
    func record(_ event: PipelineEvent) {
        statisticsBox.withLock { event.apply(to: &$0) }
        event.apply(to: metrics)
    }
}
