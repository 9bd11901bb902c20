import FoodCountCore
import FoodCountKafka
import FoodCountObservability
import Foundation
import Hummingbird
import Logging
import Metrics

/// The consumer's HTTP endpoints: `/metrics`, `/livez`, `/readyz`.
enum ConsumerHTTP {
    static func router(exporter: MetricsExporter, readiness: Readiness) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            _ = readiness.evaluate()  // refreshes foodcount_ready
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: exporter.render())))
        }
        router.get("/livez") { _, _ -> Response in
            json(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ -> Response in
            let failing = readiness.evaluate()
            guard failing.isEmpty else {
                var body = ["status": "not_ready", "failing": failing.joined(separator: ",")]
                body["reason"] = readiness.reason(failing)
                return json(.serviceUnavailable, body)
            }
            return json(.ok, ["status": "ready"])
        }
        return router
    }

    static func json(_ status: HTTPResponse.Status, _ body: [String: String]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        data.append(0x0A)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The consumer's readiness: broker reachable, member of its group, database writable, retry budget not
/// exhausted, pipeline running.
struct Readiness: Sendable {
    let pipeline: CountingPipeline
    let source: KafkaEventSource
    let topicMonitor: KafkaTopicMonitor
    let readyGauge = Gauge(.ready)

    /// The names of the failing checks; empty when ready. Also records `foodcount_ready`.
    func evaluate() -> [String] {
        let health = pipeline.health
        let connection = source.connectionHealth(maxIdle: .seconds(10))
        var failing: [String] = []
        if !health.isRunning { failing.append("pipeline_running") }
        if topicMonitor.status == .missing { failing.append("topic_exists") }
        if !connection.brokerReachable { failing.append("broker_reachable") }
        if !connection.inGroup { failing.append("in_group") }
        if !health.storeWritable { failing.append("database_writable") }
        if !health.deadLetterWritable { failing.append("dead_letter_writable") }
        if health.retryBudgetExhausted { failing.append("retry_budget") }
        readyGauge.record(failing.isEmpty ? 1 : 0)
        return failing
    }

    /// Why the first failing check fails, in words, when that is known.
    func reason(_ failing: [String]) -> String? {
        if failing.first == "topic_exists" { return "the topic does not exist (see the consumer's log)" }
        return pipeline.health.lastError
    }
}
