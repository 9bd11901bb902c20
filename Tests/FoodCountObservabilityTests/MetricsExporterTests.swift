import FoodCountCore
import Metrics
import Prometheus
import XCTest

@testable import FoodCountObservability

final class MetricsExporterTests: XCTestCase {
    func testEveryDeclaredMetricIsExportedWithItsHelpTypeAndName() {
        let registry = PrometheusCollectorRegistry()
        let factory = MetricsExporter.makeFactory(registry: registry)
        for metric in MetricDefinition.all {
            let dimensions = metric.labels.map { ($0, "x") }
            switch metric.kind {
            case .counter:
                Counter(label: metric.recordedAs, dimensions: dimensions, factory: factory).increment()
            case .gauge:
                Gauge(label: metric.recordedAs, dimensions: dimensions, factory: factory).record(1)
            case .histogram where metric.buckets.isEmpty:
                Metrics.Timer(label: metric.recordedAs, dimensions: dimensions, factory: factory)
                    .record(duration: .milliseconds(3))
            case .histogram:
                Recorder(label: metric.recordedAs, dimensions: dimensions, aggregate: true, factory: factory).record(3)
            }
        }

        let text = MetricsExporter(registry: registry).render()

        for metric in MetricDefinition.all {
            XCTAssertTrue(text.contains("# HELP \(metric.name) \(metric.help)\n"), "\(metric.name):\n\(text)")
            XCTAssertTrue(text.contains("# TYPE \(metric.name) \(metric.kind.rawValue)\n"), "\(metric.name):\n\(text)")
        }
        XCTAssertEqual(exportedNames(text), Set(MetricDefinition.all.map(\.name)))
        XCTAssertTrue(text.contains(#"foodcount_batch_size_events_bucket{le="50000.0"} 1"#), text)
    }

    func testAnUndeclaredMetricGetsAHelpLineThatSaysSo() {
        let registry = PrometheusCollectorRegistry()
        let factory = MetricsExporter.makeFactory(registry: registry)
        Counter(label: "foodcount_not_declared_total", factory: factory).increment()

        let text = MetricsExporter(registry: registry).render(extra: "extra 1\n")

        XCTAssertNil(MetricDefinition.named("foodcount_not_declared_total"))
        XCTAssertTrue(
            text.hasPrefix("# HELP foodcount_not_declared_total Undeclared metric foodcount_not_declared_total"), text)
        XCTAssertTrue(text.hasSuffix("\nextra 1\n"), text)
    }

    func testDeclarationsHaveUniqueNamesAndHelp() {
        let names = MetricDefinition.all.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "a metric is declared twice")
        for metric in MetricDefinition.all {
            XCTAssertFalse(metric.help.isEmpty, metric.name)
            XCTAssertNotNil(metric.name.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression), metric.name)
            XCTAssertEqual(MetricDefinition.named(metric.name), metric)
        }
    }

    func testTheBatchSizeBucketsReachTheLargestBatchTheSettingsAllow() {
        var largest = CountingPipeline.Configuration()
        largest.maxBatchEvents = CountingPipeline.Configuration.maxBatchEventsLimit
        let buckets = MetricDefinition.batchSize.buckets
        XCTAssertGreaterThanOrEqual(buckets.last ?? 0, Double(largest.maxPendingEvents))
        XCTAssertTrue(buckets.contains(Double(CountingPipeline.Configuration().maxBatchEvents)), "the default batch")
        XCTAssertEqual(buckets, buckets.sorted())
    }

    /// The names of the `# TYPE` lines.
    private func exportedNames(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map {
                String($0.dropFirst("# TYPE ".count).prefix { $0 != " " })
            })
    }
}
