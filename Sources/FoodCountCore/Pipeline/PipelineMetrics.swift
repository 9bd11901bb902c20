import Metrics

/// The pipeline's metrics, through swift-metrics (exported by whatever backend the process bootstraps).
///
/// Names follow Prometheus conventions; see `docs/observability.md`. Updated per batch, never per message.
struct PipelineMetrics {
    static let messagesConsumed = "foodcount_messages_consumed_total"
    static let eventsProcessed = "foodcount_events_processed_total"
    static let flushDuration = "foodcount_batch_flush_duration_seconds"
    static let batchSize = "foodcount_batch_size_events"
    static let transactionRetries = "foodcount_transaction_retries_total"
    static let rebalances = "foodcount_rebalances_total"
    static let assignedPartitions = "foodcount_assigned_partitions"
    static let lastCommit = "foodcount_last_commit_timestamp_seconds"
    static let deadLetterFailures = "foodcount_dead_letter_failures_total"
    static let fencedCommits = "foodcount_fenced_commits_total"
    static let logResets = "foodcount_log_resets_total"

    let counted = Counter(label: eventsProcessed, dimensions: [("outcome", "counted")])
    let deadLettered = Counter(label: eventsProcessed, dimensions: [("outcome", "dead_lettered")])
    let flushTimer = Metrics.Timer(label: flushDuration)
    let batchSizes = Recorder(label: batchSize, aggregate: true)
    let retries = Counter(label: transactionRetries)
    let assigns = Counter(label: rebalances, dimensions: [("type", "assign")])
    let revokes = Counter(label: rebalances, dimensions: [("type", "revoke")])
    let losses = Counter(label: rebalances, dimensions: [("type", "lost")])
    let assigned = Gauge(label: assignedPartitions)
    let lastCommitTime = Gauge(label: lastCommit)
    let deadLetterFailureCount = Counter(label: deadLetterFailures)
    let fenced = Counter(label: fencedCommits)
    let recreatedLogs = Counter(label: logResets, dimensions: [("reason", "topic_recreated")])
    private var consumed: [SourcePartition: Counter] = [:]

    /// Counts records read from a partition.
    mutating func consumed(_ count: Int, from partition: SourcePartition) {
        guard count > 0 else { return }
        if let counter = consumed[partition] {
            counter.increment(by: count)
            return
        }
        let counter = Counter(
            label: Self.messagesConsumed,
            dimensions: [("topic", partition.topic), ("partition", String(partition.partition))])
        consumed[partition] = counter
        counter.increment(by: count)
    }
}

extension Metrics.Timer {
    /// Records the time elapsed since `start`.
    func recordInterval(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
