import FoodCountCore
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import Synchronization
import XCTest

@testable import FoodCountObservability
@testable import consumer

/// The consumer's `/livez`, `/readyz` and `/metrics`, in process; `ObservabilityTests` and `TopicCheckTests`
/// check the same endpoints of the running program.
final class ConsumerRoutesTests: XCTestCase {
    private func app(_ report: Readiness.Report) -> some ApplicationProtocol {
        Application(
            router: ConsumerHTTP.router(exporter: MetricsExporter(registry: PrometheusCollectorRegistry())) { report })
    }

    func testLivezAnswersOK() async throws {
        try await app(Readiness.Report(failing: [])).test(.router) { client in
            let response = try await client.execute(uri: "/livez", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "application/json; charset=utf-8")
            XCTAssertEqual(String(buffer: response.body), #"{"status":"ok"}"# + "\n")
        }
    }

    func testReadyzAnswers200WhenNothingFailsAnd503NamingTheFailingChecksAndTheReasonOtherwise() async throws {
        try await app(Readiness.Report(failing: [])).test(.router) { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(String(buffer: response.body), #"{"status":"ready"}"# + "\n")
        }
        let failing = Readiness.Report(failing: ["broker_reachable", "database_writable"], reason: "disk I/O error")
        try await app(failing).test(.router) { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            XCTAssertEqual(response.status, .serviceUnavailable)
            XCTAssertEqual(
                String(buffer: response.body),
                #"{"failing":"broker_reachable,database_writable","reason":"disk I/O error","status":"not_ready"}"#
                    + "\n")
        }
    }

    func testMetricsAreTheExpositionAndRefreshReadiness() async throws {
        let box = ReportBox(Readiness.Report(failing: []))
        let registry = PrometheusCollectorRegistry()
        registry.makeGauge(name: MetricDefinition.ready.name).set(Int64(1))
        let router = ConsumerHTTP.router(exporter: MetricsExporter(registry: registry)) {
            box.evaluations.add(1, ordering: .relaxed)
            return box.report
        }
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "text/plain; version=0.0.4; charset=utf-8")
            let text = String(buffer: response.body)
            XCTAssertTrue(
                text.hasPrefix("# HELP foodcount_ready \(MetricDefinition.ready.help)\n# TYPE foodcount_ready gauge\n"),
                text)
            XCTAssertTrue(text.contains("\nfoodcount_ready 1"), text)
        }
        XCTAssertEqual(box.evaluations.load(ordering: .relaxed), 1, "a scrape evaluates readiness once")
    }

    func testRequestsAreCountedAndTimedInTheHTTPServerMetricsLikeTheAPIs() async throws {
        // Hummingbird's metrics go to swift-metrics' factory: the task's own here, not the process's.
        let registry = PrometheusCollectorRegistry()
        let exporter = MetricsExporter(registry: registry)
        try await withMetricsFactory(MetricsExporter.makeFactory(registry: registry)) {
            let app = Application(router: ConsumerHTTP.router(exporter: exporter) { Readiness.Report(failing: []) })
            try await app.test(.router) { client in
                let readyz = try await client.execute(uri: "/readyz", method: .get)
                XCTAssertEqual(readyz.status, .ok)
                let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                for line in [
                    #"hb_requests_total{http_route="/readyz",http_request_method="GET",http_response_status_code="200"} 1"#,
                    #"http_server_request_duration_seconds_count{http_route="/readyz",http_request_method="GET",http_response_status_code="200"} 1"#,
                    "# HELP hb_requests_total \(MetricDefinition.named("hb_requests_total")?.help ?? "?")\n",
                    "# TYPE http_server_active_requests gauge\n",
                ] {
                    XCTAssertTrue(text.contains(line), "\(line) is missing from:\n\(text)")
                }
            }
        }
    }

    func testReadinessPutsTheKafkaChecksRightAfterThePipelinesRunningCheck() {
        var health = PipelineHealth()
        health.isRunning = true
        XCTAssertEqual(
            Readiness.report(health: health, topic: "message", topicExists: true, brokerReachable: true, inGroup: true),
            Readiness.Report(failing: []))

        health.isRunning = false
        health.storeWritable = false
        health.lastError = "disk full"
        XCTAssertEqual(
            Readiness.report(
                health: health, topic: "message", topicExists: true, brokerReachable: false, inGroup: false),
            Readiness.Report(
                failing: ["pipeline_running", "broker_reachable", "in_group", "database_writable"], reason: "disk full")
        )

        health.isRunning = true
        health.retryBudgetExhausted = true
        let missingTopic = Readiness.report(
            health: health, topic: "message", topicExists: false, brokerReachable: true, inGroup: true)
        XCTAssertEqual(missingTopic.failing, ["topic_exists", "database_writable", "retry_budget"])
        XCTAssertEqual(missingTopic.reason, "topic 'message' does not exist (see the consumer's log)")

        health.retryBudgetExhausted = false
        health.storeWritable = true
        health.awaitingRecreatedTopic = "message"
        let recreated = Readiness.report(
            health: health, topic: "message", topicExists: true, brokerReachable: true, inGroup: true)
        XCTAssertEqual(recreated.failing, ["topic_recreated"])
        XCTAssertTrue(recreated.reason?.hasPrefix("topic 'message' was deleted and created again") ?? false)
    }
}

/// A fixed readiness report, and how often it was asked for.
private final class ReportBox: Sendable {
    let report: Readiness.Report
    let evaluations = Atomic<Int>(0)

    init(_ report: Readiness.Report) { self.report = report }
}
