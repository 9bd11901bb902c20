import Metrics

/// The pipeline's metrics, through swift-metrics (exported by whatever backend the process bootstraps).
///
/// Each is created from its declaration in `MetricDefinition+Catalog.swift`; see `docs/observability.md`.
/// Updated per batch, never per message.
struct PipelineMetrics {
    let counted = Counter(.eventsProcessed, "counted")
    let deadLettered = Counter(.eventsProcessed, "dead_lettered")
    let flushTimer = Metrics.Timer(.batchFlushDuration)
    let batchSizes = Recorder(histogram: .batchSize)
    let retries = Counter(.transactionRetries)
    let assigns = Counter(.rebalances, "assign")
    let revokes = Counter(.rebalances, "revoke")
    let losses = Counter(.rebalances, "lost")
    let assigned = Gauge(.assignedPartitions)
    let lastCommitTime = Gauge(.lastCommitTimestamp)
    let deadLetterFailureCount = Counter(.deadLetterFailures)
    let fenced = Counter(.fencedCommits)
    let logResets = [PipelineRecord.LogReset: Counter](
        uniqueKeysWithValues: [.topicRecreated, .logTruncated, .logStartMoved, .offsetOutOfRange].map {
            ($0, Counter(.logResets, $0.rawValue))
        })
    private var consumed: [SourcePartition: Counter] = [:]

    /// Counts a rebalance of its kind.
    func rebalanced(_ change: PipelineRecord.Rebalance) {
        switch change {
        case .assigned: assigns.increment()
        case .revoked: revokes.increment()
        case .lost: losses.increment()
        }
    }

    /// Counts a partition moved for a reason of its log.
    func logReset(_ reason: PipelineRecord.LogReset) {
        logResets[reason]?.increment()
    }

    /// Counts records read from a partition.
    mutating func consumed(_ count: Int, from partition: SourcePartition) {
        guard count > 0 else { return }
        if let counter = consumed[partition] {
            counter.increment(by: count)
            return
        }
        let counter = Counter(.messagesConsumed, partition.topic, String(partition.partition))
        consumed[partition] = counter
        counter.increment(by: count)
    }
}
