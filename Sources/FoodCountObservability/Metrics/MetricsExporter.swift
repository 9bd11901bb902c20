import FoodCountCore
import Metrics
import Prometheus

/// Bootstraps swift-metrics with a Prometheus registry and renders it for `GET /metrics`.
///
/// Names, help texts and histogram buckets come from the declarations in ``FoodCountCore/MetricDefinition``.
public struct MetricsExporter: Sendable {
    /// The build's version, reported by `foodcount_build_info` (``BuildInfo/version``).
    public static var version: String { BuildInfo.version }

    /// The registry every metric of the process lands in.
    public let registry: PrometheusCollectorRegistry

    /// Bootstraps the process-wide metrics system; call once, before any metric is created.
    /// - Parameter program: The program's name, a label of `foodcount_build_info`.
    public static func bootstrap(program: String) -> MetricsExporter {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(makeFactory(registry: registry))
        Gauge(.buildInfo, BuildInfo.version, BuildInfo.commit, program).record(1)
        return MetricsExporter(registry: registry)
    }

    /// The swift-metrics factory that records into `registry`: duration buckets from 1 ms to 10 s, the declared
    /// buckets of value histograms, and the declared names of metrics that libraries record under other names.
    /// - Parameter registry: Where the metrics land.
    static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2_500), .seconds(5), .seconds(10),
        ]
        var renames: [String: String] = [:]
        for metric in MetricDefinition.all {
            if !metric.buckets.isEmpty { factory.valueHistogramBuckets[metric.name] = metric.buckets }
            if metric.recordedAs != metric.name { renames[metric.recordedAs] = metric.name }
        }
        factory.nameAndLabelSanitizer = { [renames] name, labels in (renames[name] ?? name, labels) }
        return factory
    }

    /// The Prometheus text exposition of every metric, with `# HELP` lines, then the process's own
    /// (``ProcessMetrics``), plus `extra` lines appended verbatim.
    /// - Parameter extra: Complete exposition lines (with their `# HELP` and `# TYPE` lines) for metrics
    ///   kept outside swift-metrics.
    public func render(extra: String = "") -> String {
        // swift-metrics has no help text; add it before each `# TYPE` line, as Prometheus' linter wants.
        var text = ""
        for line in registry.emitToString().split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.dropFirst("# TYPE ".count).prefix { $0 != " " })
                text += "# HELP \(name) \(Self.help(name))\n"
            }
            text += line + "\n"
        }
        return text + ProcessMetrics.exposition() + extra
    }

    /// The declared help text of a metric; a metric without a declaration says so (and fails
    /// `ObservabilityTests`).
    /// - Parameter name: The metric's Prometheus name.
    static func help(_ name: String) -> String {
        MetricDefinition.named(name)?.help ?? "Undeclared metric \(name): declare it in MetricDefinition."
    }
}
