import FoodCountCore
import Foundation
import TestSupport
import XCTest

/// Metrics, readiness and logs of the real executables.
final class ObservabilityTests: XCTestCase {
    private func consumerEnvironment(_ harness: ConsumerHarness, port: Int) -> [String: String] {
        [
            "PORT": "\(port)", "HOST": "127.0.0.1", "STATS_INTERVAL_MS": "500", "LAG_INTERVAL_MS": "500",
            "BATCH_DELAY_MS": "50",
        ]
    }

    private func promtool(_ text: String) throws -> ChildProcess.Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try ChildProcess.run("/bin/sh", ["-c", "promtool check metrics < '\(file.path)'"])
    }

    func testMetricsOfConsumerAndAPIPassPromtool() async throws {
        var harness = try ConsumerHarness(prefix: "promtool", partitions: 2)
        let port = try EmbeddedBroker.freePort()
        harness.extraEnvironment = consumerEnvironment(harness, port: port)
        _ = try harness.produceKnownDistribution(500)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(try harness.waitUntilProcessed(500), consumer.output.suffix(2_000).description)
        let apiPort = try EmbeddedBroker.freePort()
        let api = try ChildProcess(
            TestEnvironment.executable("api"),
            ["--port", "\(apiPort)", "--host", "127.0.0.1", "--database", harness.database])
        defer { api.signal(SIGKILL) }
        let apiUp = await eventuallyAsync(timeout: 20) { await HTTP.counts(port: apiPort) != nil }
        XCTAssertTrue(apiUp, api.output)

        // Lag is measured on its own schedule: wait for the first measurement after the commit.
        let measured = await eventuallyAsync(timeout: 20) {
            let body = (try? await HTTP.request("http://127.0.0.1:\(port)/metrics"))?.body ?? Data()
            return String(decoding: body, as: UTF8.self).contains("kafka_consumergroup_lag{")
        }
        XCTAssertTrue(measured)
        let consumerMetrics = try await HTTP.request("http://127.0.0.1:\(port)/metrics")
        let apiMetrics = try await HTTP.request("http://127.0.0.1:\(apiPort)/metrics")
        let consumerText = String(decoding: consumerMetrics.body, as: UTF8.self)
        let apiText = String(decoding: apiMetrics.body, as: UTF8.self)

        for (name, text) in [("consumer", consumerText), ("api", apiText)] {
            let check = try promtool(text)
            XCTAssertEqual(check.status, 0, "promtool check metrics failed for \(name): \(check.output)\n\(text)")
        }
        for name in [
            "foodcount_messages_consumed_total{", "foodcount_events_processed_total{outcome=\"counted\"} 500",
            "foodcount_batch_flush_duration_seconds_bucket", "foodcount_batch_size_events_bucket",
            "foodcount_transaction_retries_total", "foodcount_rebalances_total{type=\"assign\"}",
            "foodcount_assigned_partitions 2", "kafka_consumergroup_lag{consumergroup=\"\(harness.group)\"",
            "foodcount_last_commit_timestamp_seconds", "foodcount_dead_letter_failures_total", "foodcount_build_info{",
            "foodcount_ready 1",
        ] {
            XCTAssertTrue(consumerText.contains(name), "consumer metrics lack \(name):\n\(consumerText)")
        }
        // Every exported metric is declared, with the type it is exported as; its help comes from there.
        for (name, text) in [("consumer", consumerText), ("api", apiText)] {
            for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
                let fields = line.split(separator: " ")
                let metric = MetricDefinition.named(String(fields[2]))
                XCTAssertNotNil(metric, "\(name) exports \(fields[2]), which has no MetricDefinition (and no help)")
                XCTAssertEqual(metric?.kind.rawValue, String(fields[3]), "\(name): \(line)")
            }
        }
        XCTAssertTrue(apiText.contains("foodcount_category_events{category=\"food0\"}"), apiText)
        XCTAssertTrue(apiText.contains("hb_requests_total{"), apiText)
    }

    func testJSONLogsAreOneValidObjectPerLineWithMessageContext() throws {
        var harness = try ConsumerHarness(prefix: "jsonlogs", partitions: 1)
        harness.extraEnvironment = [
            "LOG_FORMAT": "json", "PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
            "PROGRESS_INTERVAL_SECONDS": "1", "DLQ_TOPIC": "",
        ]
        try PythonProducer.produce(
            [.text(#"{"food": "soup"}"#), .text("not json"), .text(#"{"food": "taco"}"#)], topic: harness.topic,
            broker: harness.broker)
        let consumer = try harness.start()
        XCTAssertTrue(try harness.waitUntilProcessed(3), consumer.output.suffix(2_000).description)
        XCTAssertTrue(eventually(timeout: 10) { consumer.output.contains("progress") })
        consumer.signal(SIGTERM)
        XCTAssertEqual(consumer.wait(timeout: 15), 0)

        let lines = consumer.output.split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 5)
        var objects: [[String: Any]] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertNotNil(object, "not a JSON object: \(line)")
            if let object { objects.append(object) }
        }
        let invalid = objects.first { ($0["message"] as? String)?.contains("invalid event") ?? false }
        XCTAssertEqual(invalid?["topic"] as? String, harness.topic)
        XCTAssertEqual(invalid?["partition"] as? String, "0")
        XCTAssertEqual(invalid?["offset"] as? String, "1")
        XCTAssertEqual(invalid?["level"] as? String, "warning")
        XCTAssertTrue(objects.contains { $0["message"] as? String == "progress" && $0["events_per_second"] != nil })
    }

    func testReadyzTurns503WhileTheBrokerHangsAndBackTo200AfterIt() async throws {
        let broker = try EmbeddedBroker.start()
        defer {
            broker.resume()
            broker.stop()
        }
        let topic = TestEnvironment.uniqueTopic("readyz")
        try TestEnvironment.createTopic(topic, partitions: 2, broker: broker.address)
        let directory = try TestEnvironment.temporaryDirectory("readyz")
        let port = try EmbeddedBroker.freePort()
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker.address, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "readyz",
                "DATABASE_PATH": directory.appendingPathComponent("foodcount.db").path, "SESSION_TIMEOUT_MS": "6000",
                "PORT": "\(port)", "HOST": "127.0.0.1", "STATS_INTERVAL_MS": "500", "DLQ_TOPIC": "",
            ])
        defer { consumer.signal(SIGKILL) }
        let url = "http://127.0.0.1:\(port)/readyz"
        let ready = await eventuallyAsync(timeout: 60) { (try? await HTTP.request(url))?.status == 200 }
        XCTAssertTrue(ready, consumer.output.suffix(2_000).description)

        broker.pause()
        let started = Date()
        let notReady = await eventuallyAsync(timeout: 30) { (try? await HTTP.request(url))?.status == 503 }
        let detected = Date().timeIntervalSince(started)
        let namesBroker = await eventuallyAsync(timeout: 30) {
            let response = try? await HTTP.request(url)
            return (response?.jsonObject?["failing"] as? String)?.contains("broker_reachable") ?? false
        }
        broker.resume()
        let readyAgain = await eventuallyAsync(timeout: 60) { (try? await HTTP.request(url))?.status == 200 }

        XCTAssertTrue(notReady, "readyz stayed 200 with the broker frozen")
        XCTAssertLessThan(detected, 30)
        XCTAssertTrue(namesBroker, "the body must name the failing check broker_reachable")
        XCTAssertTrue(readyAgain, "readyz must return to 200 after SIGCONT:\n\(consumer.output.suffix(2_000))")
        let live = try await HTTP.request("http://127.0.0.1:\(port)/livez")
        XCTAssertEqual(live.status, 200)
    }
}
