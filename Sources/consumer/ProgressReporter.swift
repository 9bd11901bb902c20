import FoodCountCore
import FoodCountKafka
import Logging
import ServiceLifecycle

/// Logs a one-line summary every interval while the consumer runs: events/s, lag, dead letters, readiness.
struct ProgressReporter: Service {
    let pipeline: CountingPipeline
    let lagMonitor: KafkaLagMonitor
    let readiness: Readiness
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var previous = pipeline.statistics
        var last = ContinuousClock.now
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // Wakes at once on graceful shutdown, so that the reporter never holds the shutdown up.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            let now = ContinuousClock.now
            let current = pipeline.statistics
            let elapsed = max(0.001, (now - last) / .seconds(1))
            let rate = Double(current.eventsCommitted - previous.eventsCommitted) / elapsed
            let failing = readiness.evaluate()
            logger.info(
                "progress",
                metadata: [
                    "events_per_second": "\(Int(rate.rounded()))", "events_total": "\(current.eventsCommitted)",
                    "lag": "\(lagMonitor.totalLag)", "dead_lettered": "\(current.deadLettered)",
                    "partitions": "\(current.assignedPartitions)",
                    "ready": "\(failing.isEmpty ? "yes" : "no: \(failing.joined(separator: ","))")",
                ])
            previous = current
            last = now
        }
    }
}
