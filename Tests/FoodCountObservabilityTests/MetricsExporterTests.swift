import FoodCountCore
import Metrics
import Prometheus
import XCTest

@testable import FoodCountObservability

final class MetricsExporterTests: XCTestCase {
    func testEveryDeclaredMetricIsExportedWithItsHelpTypeAndName() {
        let registry = PrometheusCollectorRegistry()
        let factory = MetricsExporter.makeFactory(registry: registry)
        for metric in MetricDefinition.all where !MetricDefinition.process.contains(metric) {
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

    func testTheProcessMetricsAreReadFromProcAtEachScrape() throws {
        let text = MetricsExporter(registry: PrometheusCollectorRegistry()).render()
        func value(_ metric: MetricDefinition) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(metric.name + " ") }.flatMap {
                Double($0.split(separator: " ")[1])
            }
        }
        let cpu = try XCTUnwrap(value(.processCPUSeconds))
        XCTAssertGreaterThan(cpu, 0)
        XCTAssertGreaterThan(try XCTUnwrap(value(.processResidentMemory)), 1_000_000)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/stat"))
        defer { try? handle.close() }
        let fds = try XCTUnwrap(value(.processOpenFileDescriptors))
        XCTAssertGreaterThanOrEqual(fds, 4, "stdin, stdout, stderr and the handle above at least")
        let start = try XCTUnwrap(value(.processStartTime))
        let now = Date().timeIntervalSince1970
        XCTAssertLessThanOrEqual(start, now + 1)
        XCTAssertGreaterThan(start, now - 86_400, "this test process started today")
        var work = 0.0
        for index in 0..<3_000_000 { work += Double(index).squareRoot() }
        XCTAssertGreaterThan(work, 0)
        let later = MetricsExporter(registry: PrometheusCollectorRegistry()).render()
        let cpuLater = later.split(separator: "\n").first { $0.hasPrefix("process_cpu_seconds_total ") }
            .flatMap { Double($0.split(separator: " ")[1]) }
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(cpuLater), cpu, "read again at each scrape")
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
