import FoodCountCore
import Foundation
import KafkaClient
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Publishes consumer lag per partition as `kafka_consumergroup_lag{consumergroup,topic,partition}`, the
/// name and labels of kafka_exporter, so its dashboards and alerts apply unchanged.
///
/// Lag is the partition's high watermark minus the next offset the store holds. The high watermark is the
/// larger of the last fetch response's (exact, but stale while a partition is paused) and a ListOffsets
/// query's (fresh; some Kafka-compatible brokers answer it low). The queries block, so the monitor runs on
/// its own thread.
public final class KafkaLagMonitor: Service, Sendable {
    /// The metric's name.
    public static let metricName = MetricDefinition.consumerGroupLag.name

    private let source: KafkaEventSource
    private let group: String
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex<State>(State())

    private struct State {
        var gauges: [TopicPartition: Gauge] = [:]
        var lag: [TopicPartition: Int64] = [:]
        var stopped = false
    }

    /// Creates a monitor.
    /// - Parameters:
    ///   - source: The Kafka source whose partitions to watch.
    ///   - consumerGroup: The group, for the `consumergroup` label.
    ///   - interval: How often to measure.
    ///   - logger: Where the monitor logs.
    public init(source: KafkaEventSource, consumerGroup: String, interval: Duration = .seconds(5), logger: Logger) {
        self.source = source
        self.group = consumerGroup
        self.interval = interval
        self.logger = logger
    }

    /// The lag of every owned partition at the last measurement.
    public var lag: [TopicPartition: Int64] { state.withLock { $0.lag } }

    /// The sum of ``lag``.
    public var totalLag: Int64 { state.withLock { $0.lag.values.reduce(0, +) } }

    /// Measures every `interval` until graceful shutdown.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    while !state.withLock({ $0.stopped }) {
                        measure()
                        sleep(interval)
                    }
                    continuation.resume()
                }
                thread.name = "foodcount-lag"
                thread.start()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Stops the measuring loop.
    public func stop() {
        state.withLock { $0.stopped = true }
    }

    /// Takes one measurement now and publishes it. Blocks up to a few seconds per partition on queries.
    public func measure() {
        let stored = source.storedOffsets.withLock { $0 }
        var lag: [TopicPartition: Int64] = [:]
        for (partition, next) in stored {
            // Each query may block for seconds while the broker is away: give way to a shutdown between them.
            if state.withLock({ $0.stopped }) { return }
            let fetched = source.consumer.cachedWatermarks(for: partition)?.high ?? -1
            let queried = (try? source.consumer.queryWatermarks(for: partition, timeout: .seconds(2)))?.high ?? -1
            let high = max(fetched, queried)
            guard high >= 0 else { continue }
            lag[partition] = max(0, high - next)
        }
        publish(lag)
    }

    private func publish(_ lag: [TopicPartition: Int64]) {
        state.withLock { state in
            for (partition, gauge) in state.gauges where lag[partition] == nil {
                gauge.destroy()
                state.gauges.removeValue(forKey: partition)
            }
            for (partition, value) in lag {
                let gauge =
                    state.gauges[partition]
                    ?? Gauge(.consumerGroupLag, group, partition.topic, String(partition.partition))
                state.gauges[partition] = gauge
                gauge.record(value)
            }
            state.lag = lag
        }
    }

    private func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, !state.withLock({ $0.stopped }) {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
