import Foundation
import TestSupport
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real Prometheus server scrapes the consumer every second; its query API shows progress and lag.
final class PrometheusScrapeTests: XCTestCase {
    private func startPrometheus(target: String) throws -> (ChildProcess, Int) {
        let directory = try TestEnvironment.temporaryDirectory("prometheus")
        let config = directory.appendingPathComponent("prometheus.yml")
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: consumer
            static_configs:
              - targets: ["\(target)"]
        """.write(to: config, atomically: true, encoding: .utf8)
        let port = try EmbeddedBroker.freePort()
        let prometheus = try ChildProcess(
            "/usr/bin/prometheus",
            [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
            ])
        return (prometheus, port)
    }

    /// The value of an instant query's first sample, or `nil`.
    private func query(_ port: Int, _ expression: String) async -> Double? {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: expression)]
        guard let response = try? await HTTP.request(components.url!.absoluteString), response.status == 200,
            let data = response.jsonObject?["data"] as? [String: Any],
            let result = (data["result"] as? [[String: Any]])?.first,
            let value = result["value"] as? [Any], value.count == 2, let text = value[1] as? String
        else { return nil }
        return Double(text)
    }

    func testPrometheusSeesEventsRiseAndLagGrowWhilePausedThenReturnToZero() async throws {
        var harness = try ConsumerHarness(prefix: "scrape", partitions: 2)
        let port = try EmbeddedBroker.freePort()
        harness.extraEnvironment = [
            "PORT": "\(port)", "HOST": "127.0.0.1", "STATS_INTERVAL_MS": "500", "LAG_INTERVAL_MS": "500",
            "BATCH_DELAY_MS": "50", "RETRY_BUDGET_MS": "1000",
        ]
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        let (prometheus, prometheusPort) = try startPrometheus(target: "127.0.0.1:\(port)")
        defer { prometheus.signal(SIGTERM) }
        let feed = try ChildProcess(
            TestEnvironment.executable("datafeed"), ["--rate", "200", "--count", "100000"],
            environment: ["KAFKA_BROKER": harness.broker, "KAFKA_TOPIC": harness.topic])
        defer { feed.signal(SIGTERM) }

        let counted = #"sum(foodcount_events_processed_total{outcome="counted"})"#
        let rising = await eventuallyAsync(timeout: 60, interval: .milliseconds(500)) {
            (await self.query(prometheusPort, counted) ?? 0) > 500
        }
        XCTAssertTrue(rising, "events counted never rose in Prometheus:\n\(prometheus.output.suffix(1_500))")

        // Pause the consumer: its database folder becomes immutable, so nothing commits.
        let folder = harness.directory.path
        XCTAssertEqual(try ChildProcess.run("/usr/bin/chattr", ["+i", folder]).status, 0)
        defer { _ = try? ChildProcess.run("/usr/bin/chattr", ["-i", folder]) }
        let lag = "sum(kafka_consumergroup_lag)"
        let lagging = await eventuallyAsync(timeout: 60, interval: .milliseconds(500)) {
            (await self.query(prometheusPort, lag) ?? 0) > 500
        }
        let lagWhilePaused = await query(prometheusPort, lag)
        XCTAssertTrue(lagging, "lag did not go up while paused: \(String(describing: lagWhilePaused))")

        XCTAssertEqual(try ChildProcess.run("/usr/bin/chattr", ["-i", folder]).status, 0)
        feed.signal(SIGTERM)
        _ = feed.wait(timeout: 30)
        let caughtUp = await eventuallyAsync(timeout: 60, interval: .milliseconds(500)) {
            await self.query(prometheusPort, lag) == 0
        }
        let lagAtEnd = await query(prometheusPort, lag)
        XCTAssertTrue(
            caughtUp, "lag did not return to 0: \(String(describing: lagAtEnd))\n\(consumer.output.suffix(2_000))")
    }
}
