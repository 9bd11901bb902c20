import Metrics

/// One exported metric: its Prometheus name, type, help text and label names.
///
/// Every metric the programs export is declared once, in ``all`` (see `MetricDefinition+Catalog.swift`). The
/// code that records a metric creates it from its declaration (``Counter/init(_:_:)`` and its siblings), and
/// the Prometheus exporter takes the help text and histogram buckets from it, so that a name is written once.
public struct MetricDefinition: Sendable, Hashable {
    /// The Prometheus type of a metric.
    public enum Kind: String, Sendable, Hashable {
        /// A count that only goes up (swift-metrics `Counter`).
        case counter
        /// A value that goes up and down (swift-metrics `Gauge`, or `Meter`).
        case gauge
        /// A distribution (swift-metrics `Timer`, or an aggregating `Recorder`).
        case histogram
    }

    /// The name in the Prometheus exposition, for example `foodcount_events_processed_total`.
    public let name: String
    /// The Prometheus type.
    public let kind: Kind
    /// The `# HELP` text.
    public let help: String
    /// The label names, in the order the recording code passes them.
    public let labels: [String]
    /// The name the metric is recorded under in swift-metrics, when a library records it under another name
    /// (Hummingbird's `hb.requests`); the exporter renames it to ``name``. Equal to ``name`` otherwise.
    public let recordedAs: String
    /// The bucket bounds of a histogram of values (not durations); empty for the exporter's default.
    public let buckets: [Double]

    /// Declares a metric.
    /// - Parameters:
    ///   - name: The Prometheus name.
    ///   - kind: The Prometheus type.
    ///   - help: The `# HELP` text.
    ///   - labels: The label names; none unless given.
    ///   - recordedAs: The swift-metrics label when it differs from `name`.
    ///   - buckets: Bucket bounds for a histogram of values.
    public init(
        _ name: String,
        _ kind: Kind,
        help: String,
        labels: [String] = [],
        recordedAs: String? = nil,
        buckets: [Double] = []
    ) {
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
        self.recordedAs = recordedAs ?? name
        self.buckets = buckets
    }

    /// The declaration named `name` in ``all``, or nil.
    /// - Parameter name: A Prometheus metric name.
    public static func named(_ name: String) -> MetricDefinition? {
        byName[name]
    }

    private static let byName = Dictionary(all.map { ($0.name, $0) }) { first, _ in first }

    /// The label values as swift-metrics dimensions, checked against ``labels`` in debug builds.
    func dimensions(_ values: [String]) -> [(String, String)] {
        assert(values.count == labels.count, "\(name) takes the labels \(labels), got \(values.count) values")
        return Array(zip(labels, values))
    }
}
