import FoodCountCore
import Foundation
import KafkaClient
import Logging
import ServiceLifecycle
import Synchronization

/// Watches the consumed topic: that it exists, so that a mistyped or missing topic is said at once and shows in
/// readiness, instead of a consumer that waits in silence (librdkafka treats an unknown topic as transient);
/// and which topic ID it has, reported to the source as a fact, so that a topic deleted and created again
/// under the same name while the consumer runs is noticed (librdkafka does not rebalance on it).
///
/// It asks the broker for the topic's metadata at start and then every `interval`; with `createPartitions`,
/// it creates a missing topic (for development). The queries block, so the monitor runs on a thread of its
/// own.
public final class KafkaTopicMonitor: Service, Sendable {
    /// What the monitor knows of the topic.
    public enum Status: Sendable, Equatable {
        /// Not checked yet.
        case unknown
        /// The topic exists.
        case exists
        /// The broker does not know the topic.
        case missing
        /// The broker could not be asked (unreachable, refused the request).
        case unchecked(String)
    }

    private let consumer: KafkaConsumer
    /// The topic it watches.
    public let topic: String
    private let createPartitions: Int?
    private let interval: Duration
    private let logger: Logger
    private let source: KafkaEventSource?
    private let state = Mutex<(status: Status, stopped: Bool)>((.unknown, false))

    /// Creates a monitor.
    /// - Parameters:
    ///   - consumer: The consumer whose connection asks the broker.
    ///   - topic: The topic to watch.
    ///   - createPartitions: Create the topic with this many partitions when it is missing; `nil` never.
    ///   - interval: How often to look again.
    ///   - source: Where the topic's ID is reported, as a `SourceFact.topicID`.
    ///   - logger: Where the monitor logs.
    public init(
        consumer: KafkaConsumer, topic: String, createPartitions: Int? = nil, interval: Duration = .seconds(5),
        reportingTo source: KafkaEventSource? = nil, logger: Logger
    ) {
        self.source = source
        self.consumer = consumer
        self.topic = topic
        self.createPartitions = createPartitions
        self.interval = interval
        self.logger = logger
    }

    /// The status at the last check.
    public var status: Status { state.withLock { $0.status } }

    /// Checks until graceful shutdown.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    while !state.withLock({ $0.stopped }) {
                        check()
                        sleep(interval)
                    }
                    continuation.resume()
                }
                thread.name = "foodcount-topic"
                thread.start()
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopped = true }
        }
    }

    /// Checks once now on a thread of its own (the query blocks), creating the topic when asked to. Call it
    /// before the consumer subscribes, so that a topic it creates is there when the group assigns partitions.
    @discardableResult
    public func checkNow() async -> Status {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.check()) }.start()
        }
    }

    /// Checks once now, creating the topic when asked to; logs when the status changes. Blocks.
    @discardableResult
    public func check() -> Status {
        var next: Status
        do {
            let description = try consumer.describeTopics([topic], timeout: .seconds(5))[topic]
            next = description == nil ? .missing : .exists
            if let description { source?.report(.topicID(topic: topic, id: description.id)) }
            if next == .missing, let createPartitions {
                try consumer.createTopic(topic, partitions: createPartitions, timeout: .seconds(10))
                logger.notice(
                    "created the topic", metadata: ["topic": "\(topic)", "partitions": "\(createPartitions)"])
                next = .exists
            }
        } catch {
            next = .unchecked("\(error)")
        }
        let previous = state.withLock { state in
            defer { state.status = next }
            return state.status
        }
        guard previous != next else { return next }
        switch next {
        case .missing:
            logger.error(
                "topic '\(topic)' does not exist; waiting for it (check KAFKA_TOPIC, create the topic, or start the consumer with --create-topics)"
            )
        case .exists where previous == .missing:
            logger.notice("topic '\(topic)' exists now")
        case .unchecked(let reason):
            logger.warning("cannot check that the topic exists", metadata: ["topic": "\(topic)", "error": "\(reason)"])
        default:
            break
        }
        return next
    }

    /// Sleeps `duration`, or less when stopped or when the source asks for the topic's ID now (a fetch put
    /// the topic's identity in doubt).
    private func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, !state.withLock({ $0.stopped }) {
            if source?.mailbox.takeCheckRequest() == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
