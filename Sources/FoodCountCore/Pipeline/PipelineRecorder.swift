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

    /// Records what the machine decided to record.
    func record(_ record: PipelineRecord) {
        state.withLock { state in
            switch record {
            case .committed(let events, let counted, let duration):
                state.statistics.flushes += 1
                state.statistics.eventsCommitted += counted
                state.health.storeWritable = true
                state.health.deadLetterWritable = true
                state.health.retryBudgetExhausted = false
                state.health.lastError = nil
                state.metrics.counted.increment(by: counted)
                state.metrics.flushTimer.record(duration: duration)
                state.metrics.batchSizes.record(events)
                state.metrics.lastCommitTime.record(Date().timeIntervalSince1970)
            case .storeFailed(let error):
                state.health.storeWritable = false
                state.health.lastError = "\(error)"
            case .retrying(let budgetExhausted):
                state.statistics.flushRetries += 1
                state.metrics.retries.increment()
                if budgetExhausted { state.health.retryBudgetExhausted = true }
            case .failuresOutlived:
                state.health.retryBudgetExhausted = false
            case .fenced:
                state.statistics.batchesFenced += 1
                state.metrics.fenced.increment()
            case .rebalanced(let change, let owned):
                state.statistics.assignedPartitions = owned
                state.metrics.assigned.record(owned)
                state.metrics.rebalanced(change)
            case .logReset(let reason):
                state.metrics.logReset(reason)
            case .skipped(_, let from, let to):
                state.statistics.eventsSkipped += Int(to - from)
            case .pendingDropped:
                break
            case .duplicatesDropped(let count):
                state.statistics.duplicatesDropped += count
            case .awaitingRecreatedTopic(let topic):
                state.health.awaitingRecreatedTopic = topic
            }
        }
    }
}
