/// What the pipeline knows of its own health; the consumer's `/readyz` reports it.
public struct PipelineHealth: Sendable, Equatable {
    /// Whether the pipeline is running (started and not stopped).
    public var isRunning = false
    /// Whether the last store commit succeeded (or none was needed yet).
    public var storeWritable = true
    /// Whether the last dead-letter write succeeded (or none was needed yet).
    public var deadLetterWritable = true
    /// Whether commits have kept failing for longer than the retry budget: consumption is paused.
    public var retryBudgetExhausted = false
    /// The last failure, while failures go on.
    public var lastError: String?
    /// A subscribed topic that was deleted and created again while the pipeline ran, until what was read
    /// from its old logs is committed and its partitions continue in the new logs.
    public var awaitingRecreatedTopic: String?

    /// Creates a health report.
    public init() {}

    /// Whether the pipeline is keeping up: running, and not stuck behind failing commits.
    public var isReady: Bool { isRunning && !retryBudgetExhausted && awaitingRecreatedTopic == nil }

    /// The names of the checks that fail now, for readiness reports.
    public var failingChecks: [String] {
        var checks: [String] = []
        if !isRunning { checks.append("pipeline_running") }
        if !storeWritable { checks.append("database_writable") }
        if !deadLetterWritable { checks.append("dead_letter_writable") }
        if retryBudgetExhausted { checks.append("retry_budget") }
        if awaitingRecreatedTopic != nil { checks.append("topic_recreated") }
        return checks
    }
}
