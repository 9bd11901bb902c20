import FoodCountCore
import FoodCountKafka
import Metrics

/// The consumer's readiness: the pipeline's own checks (``FoodCountCore/PipelineHealth``) plus the topic,
/// the broker and the group.
struct Readiness: Sendable {
    /// The failing checks, in order, and why the first one fails.
    struct Report: Sendable, Equatable {
        /// The names of the failing checks; empty when ready.
        var failing: [String]
        /// Why the first failing check fails, in words, when that is known.
        var reason: String?
    }

    let pipeline: CountingPipeline
    let source: KafkaEventSource
    let topicMonitor: KafkaTopicMonitor
    /// Watches the dead-letter topic, when events that cannot be counted are dead-lettered.
    let deadLetterMonitor: KafkaTopicMonitor?
    let readyGauge = Gauge(.ready)

    /// The names of the failing checks; empty when ready. Also records `foodcount_ready`.
    func evaluate() -> [String] {
        report().failing
    }

    /// The readiness now. Also records `foodcount_ready`.
    func report() -> Report {
        let connection = source.connectionHealth(maxIdle: .seconds(10))
        let report = Self.report(
            health: pipeline.health, topic: topicMonitor.topic, topicExists: topicMonitor.status != .missing,
            brokerReachable: connection.brokerReachable, inGroup: connection.inGroup,
            deadLetterTopic: deadLetterMonitor?.topic, deadLetterTopicExists: deadLetterMonitor?.status != .missing)
        readyGauge.record(report.failing.isEmpty ? 1 : 0)
        return report
    }

    /// Combines the pipeline's failing checks with the Kafka ones, which come right after `pipeline_running`.
    /// - Parameters:
    ///   - health: The pipeline's health.
    ///   - topic: The consumed topic, named by the reason.
    ///   - topicExists: Whether the topic exists (or is not known to be missing).
    ///   - brokerReachable: Whether a broker answered lately.
    ///   - inGroup: Whether the consumer is a member of its group.
    ///   - deadLetterTopic: The dead-letter topic, named by the reason.
    ///   - deadLetterTopicExists: Whether it exists (or is not known to be missing, or is not used): events
    ///     that cannot be counted would hold every commit back while it is missing.
    static func report(
        health: PipelineHealth, topic: String, topicExists: Bool, brokerReachable: Bool, inGroup: Bool,
        deadLetterTopic: String? = nil, deadLetterTopicExists: Bool = true
    ) -> Report {
        var kafka: [String] = []
        if !topicExists { kafka.append("topic_exists") }
        if !deadLetterTopicExists { kafka.append("dead_letter_topic_exists") }
        if !brokerReachable { kafka.append("broker_reachable") }
        if !inGroup { kafka.append("in_group") }
        var failing = health.failingChecks
        failing.insert(contentsOf: kafka, at: health.isRunning ? 0 : 1)
        let reason: String? =
            switch failing.first {
            case "topic_exists": "topic '\(topic)' does not exist (see the consumer's log)"
            case "dead_letter_topic_exists":
                "dead-letter topic '\(deadLetterTopic ?? "")' does not exist: create it, or set DLQ_TOPIC (see the consumer's log)"
            case "topic_recreated":
                "topic '\(health.awaitingRecreatedTopic ?? "")' was deleted and created again; committing what was read from its old logs, then counting the new ones from their beginning"
            default: health.lastError
            }
        return Report(failing: failing, reason: reason)
    }
}
