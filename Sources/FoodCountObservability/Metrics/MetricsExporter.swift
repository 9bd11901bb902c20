import Metrics
import Prometheus

/// Bootstraps swift-metrics with a Prometheus registry and renders it for `GET /metrics`.
public struct MetricsExporter: Sendable {
    /// The build's version, reported by `foodcount_build_info`.
    public static let version = "0.1.0"

    /// The registry every metric of the process lands in.
    public let registry: PrometheusCollectorRegistry

    /// Bootstraps the process-wide metrics system; call once, before any metric is created.
    /// - Parameter program: The program's name, a label of `foodcount_build_info`.
    public static func bootstrap(program: String) -> MetricsExporter {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2_500), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets["foodcount_batch_size_events"] = [
            1, 10, 50, 100, 500, 1_000, 2_000, 5_000, 10_000, 50_000,
        ]
        // Hummingbird's request metrics, renamed to Prometheus conventions (`_total`, `_seconds`).
        let renames = [
            "hb.requests": "hb_requests_total", "hb.request.errors": "hb_request_errors_total",
            "http.server.request.duration": "http_server_request_duration_seconds",
        ]
        factory.nameAndLabelSanitizer = { name, labels in (renames[name] ?? name, labels) }
        MetricsSystem.bootstrap(factory)
        Gauge(label: "foodcount_build_info", dimensions: [("version", version), ("program", program)]).record(1)
        return MetricsExporter(registry: registry)
    }

    /// The Prometheus text exposition of every metric, with `# HELP` lines, plus `extra` lines appended
    /// verbatim.
    /// - Parameter extra: Complete exposition lines (with their `# HELP` and `# TYPE` lines) for metrics
    ///   kept outside swift-metrics.
    public func render(extra: String = "") -> String {
        // swift-metrics has no help text; add it before each `# TYPE` line, as Prometheus' linter wants.
        var text = ""
        for line in registry.emitToString().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst("# TYPE ".count).prefix { $0 != " " }
                text += "# HELP \(name) \(Self.help[String(name)] ?? "FoodCount metric \(name).")\n"
            }
            text += line + "\n"
        }
        if text.hasSuffix("\n\n") { text.removeLast() }
        return text + extra
    }

    /// Help texts by metric name.
    static let help: [String: String] = [
        "foodcount_messages_consumed_total": "Records read from Kafka, by topic and partition.",
        "foodcount_events_processed_total": "Events processed and committed, by outcome (counted, dead_lettered).",
        "foodcount_batch_flush_duration_seconds": "Time to commit one batch (dead letters, counts and offsets).",
        "foodcount_batch_size_events": "Records per committed batch.",
        "foodcount_transaction_retries_total": "Commit attempts that failed and were retried.",
        "foodcount_rebalances_total": "Partition assignment changes, by type (assign, revoke, lost).",
        "foodcount_assigned_partitions": "Partitions owned by this consumer.",
        "kafka_consumergroup_lag": "Records not yet committed per partition: high watermark minus stored next offset.",
        "foodcount_last_commit_timestamp_seconds": "Unix time of the last successful commit.",
        "foodcount_dead_letter_failures_total": "Dead-letter writes that failed and will be retried.",
        "foodcount_fenced_commits_total":
            "Commits fenced because a stored offset moved on without this member; it continues from the stored offset.",
        "foodcount_log_resets_total":
            "Partitions restarted because their log was recreated, reset or truncated, by reason.",
        "foodcount_ready": "1 when the consumer is ready (see /readyz), else 0.",
        "foodcount_build_info": "Build information; always 1.",
        "hb_requests_total": "HTTP requests served.",
        "hb_request_errors_total": "HTTP requests that failed.",
        "http_server_request_duration_seconds": "HTTP request durations.",
        "foodcount_category_events": "Events counted per category, for the largest categories.",
        "http_server_active_requests": "HTTP requests in flight.",
    ]
}
