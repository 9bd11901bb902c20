extension MetricDefinition {
    // The one place where a metric is declared. Adding a metric: declare it here and add it to `all`, then
    // create it from its declaration where it is recorded (`Counter(.name, …)`); `docs/observability.md`
    // lists them for operators. `ObservabilityTests` fails for an exported metric missing from `all`.

    /// `foodcount_messages_consumed_total{topic, partition}`.
    public static let messagesConsumed = MetricDefinition(
        "foodcount_messages_consumed_total", .counter, help: "Records read from Kafka, by topic and partition.",
        labels: ["topic", "partition"])
    /// `foodcount_events_processed_total{outcome}`: `counted` or `dead_lettered`.
    public static let eventsProcessed = MetricDefinition(
        "foodcount_events_processed_total", .counter,
        help: "Events processed and committed, by outcome (counted, dead_lettered).", labels: ["outcome"])
    /// `foodcount_batch_flush_duration_seconds`.
    public static let batchFlushDuration = MetricDefinition(
        "foodcount_batch_flush_duration_seconds", .histogram,
        help: "Time to commit one batch (dead letters, counts and offsets).")
    /// `foodcount_batch_size_events`: its buckets reach the largest batch the settings allow
    /// (`BATCH_SIZE` at its limit, filled ten times while a commit runs: a billion records).
    public static let batchSize = MetricDefinition(
        "foodcount_batch_size_events", .histogram, help: "Records per committed batch.",
        buckets: [
            1, 10, 50, 100, 500, 1_000, 2_000, 5_000, 10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000,
            10_000_000, 100_000_000, 1_000_000_000,
        ])
    /// `foodcount_transaction_retries_total`.
    public static let transactionRetries = MetricDefinition(
        "foodcount_transaction_retries_total", .counter, help: "Commit attempts that failed and were retried.")
    /// `foodcount_rebalances_total{type}`: `assign`, `revoke` or `lost`.
    public static let rebalances = MetricDefinition(
        "foodcount_rebalances_total", .counter,
        help: "Partition assignment changes, by type (assign, revoke, lost).", labels: ["type"])
    /// `foodcount_assigned_partitions`.
    public static let assignedPartitions = MetricDefinition(
        "foodcount_assigned_partitions", .gauge, help: "Partitions owned by this consumer.")
    /// `kafka_consumergroup_lag{consumergroup, topic, partition}`.
    public static let consumerGroupLag = MetricDefinition(
        "kafka_consumergroup_lag", .gauge,
        help: "Records not yet committed per partition: high watermark minus stored next offset.",
        labels: ["consumergroup", "topic", "partition"])
    /// `foodcount_last_commit_timestamp_seconds`.
    public static let lastCommitTimestamp = MetricDefinition(
        "foodcount_last_commit_timestamp_seconds", .gauge, help: "Unix time of the last successful commit.")
    /// `foodcount_dead_letter_failures_total`.
    public static let deadLetterFailures = MetricDefinition(
        "foodcount_dead_letter_failures_total", .counter, help: "Dead-letter writes that failed and will be retried.")
    /// `foodcount_fenced_commits_total`.
    public static let fencedCommits = MetricDefinition(
        "foodcount_fenced_commits_total", .counter,
        help:
            "Commits fenced because a stored offset moved on without this member; it continues from the stored offset."
    )
    /// `foodcount_log_resets_total{reason}`: `offset_out_of_range` (the broker refused a position; asked
    /// where the log begins and ends), then `topic_recreated`, `log_truncated` or `log_start_moved` for the
    /// move the machine made (`docs/design.md`, "Positions").
    public static let logResets = MetricDefinition(
        "foodcount_log_resets_total", .counter,
        help:
            "Partition positions moved other than by counting, by reason: offset_out_of_range (refused by the broker), topic_recreated, log_truncated, log_start_moved (retention removed records before they were counted).",
        labels: ["reason"])
    /// `foodcount_ready`: the consumer's `/readyz` as a number.
    public static let ready = MetricDefinition(
        "foodcount_ready", .gauge, help: "1 when the consumer is ready (see /readyz), else 0.")
    /// `foodcount_build_info{version, commit, program}`.
    public static let buildInfo = MetricDefinition(
        "foodcount_build_info", .gauge, help: "Build information (version, git commit, program); always 1.",
        labels: ["version", "commit", "program"])
    /// `foodcount_category_events{category}`: the API's largest categories, read at scrape time.
    public static let categoryEvents = MetricDefinition(
        "foodcount_category_events", .gauge, help: "Events counted per category, for the largest categories.",
        labels: ["category"])
    /// `hb_requests_total`: Hummingbird's `hb.requests`.
    public static let httpRequests = MetricDefinition(
        "hb_requests_total", .counter, help: "HTTP requests served.",
        labels: ["http_route", "http_request_method", "http_response_status_code"], recordedAs: "hb.requests")
    /// `hb_request_errors_total`: Hummingbird's `hb.request.errors`.
    public static let httpRequestErrors = MetricDefinition(
        "hb_request_errors_total", .counter, help: "HTTP requests that failed.",
        labels: ["http_route", "http_request_method", "error_type"], recordedAs: "hb.request.errors")
    /// `http_server_request_duration_seconds`: Hummingbird's `http.server.request.duration`.
    public static let httpRequestDuration = MetricDefinition(
        "http_server_request_duration_seconds", .histogram, help: "HTTP request durations.",
        labels: ["http_route", "http_request_method", "http_response_status_code"],
        recordedAs: "http.server.request.duration")
    /// `http_server_active_requests`: Hummingbird's `http.server.active_requests`.
    public static let httpActiveRequests = MetricDefinition(
        "http_server_active_requests", .gauge, help: "HTTP requests in flight.", labels: ["http_request_method"],
        recordedAs: "http.server.active_requests")

    /// Every metric the programs export.
    public static let all: [MetricDefinition] =
        [
            messagesConsumed, eventsProcessed, batchFlushDuration, batchSize, transactionRetries, rebalances,
            assignedPartitions, consumerGroupLag, lastCommitTimestamp, deadLetterFailures, fencedCommits, logResets,
            ready, buildInfo, categoryEvents, httpRequests, httpRequestErrors, httpRequestDuration, httpActiveRequests,
        ] + process

    /// `process_cpu_seconds_total`, as Prometheus' clients name it.
    public static let processCPUSeconds = MetricDefinition(
        "process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
    /// `process_resident_memory_bytes`.
    public static let processResidentMemory = MetricDefinition(
        "process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
    /// `process_open_fds`.
    public static let processOpenFileDescriptors = MetricDefinition(
        "process_open_fds", .gauge, help: "Number of open file descriptors.")
    /// `process_start_time_seconds`.
    public static let processStartTime = MetricDefinition(
        "process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")

    /// The process's own metrics, read from `/proc` at each scrape rather than recorded
    /// (`ProcessMetrics` in FoodCountObservability).
    public static let process: [MetricDefinition] = [
        processCPUSeconds, processResidentMemory, processOpenFileDescriptors, processStartTime,
    ]
}
