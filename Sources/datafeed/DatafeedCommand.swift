import ArgumentParser
import FoodCountCore
import FoodCountObservability
import FoodCountSettings
import Foundation
import KafkaClient
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `datafeed`: produces random food events, slowly like the original feed or fast as a load generator.
@main
struct DatafeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datafeed",
        abstract: "Sends random {\"food\": ...} events to Kafka.",
        discussion: """
            Without --rate it behaves like the original feed: one random food every 1-2 s, printed.
            With --rate N it is a load generator sending N events/s with a progress line;
            --count N stops after N events (and waits for every acknowledgement).
            Every option can also be set by the environment variable named in its help.
            """,
        version: BuildInfo.description
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(SettingCatalog.rate) var rate: String?
    @Option(SettingCatalog.count) var count: String?
    @Option(SettingCatalog.categories) var categories: String?
    @Option(SettingCatalog.deliveryTimeout) var deliveryTimeoutMs: String?
    @Flag(SettingCatalog.createTopics) var createTopics: Bool
    @Option(SettingCatalog.topicPartitions) var topicPartitions: String?
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let resolved:
            (kafka: KafkaOptions.Resolved, rate: Int, count: Int, timeout: Int, partitions: Int?, categories: Int)
        do {
            let settings = try Settings()
            typealias Declared = SettingCatalog
            let kafka = try kafka.resolve(settings)
            let (format, level) = try logging.resolve(settings, defaultLevel: .warning)
            LoggingSetup.bootstrap(format: format, level: level)
            let create = try settings.required(Declared.createTopics) || createTopics
            resolved = (
                kafka,
                try settings.required(Declared.rate, flag: rate),
                try settings.required(Declared.count, flag: count),
                try settings.required(Declared.deliveryTimeout, flag: deliveryTimeoutMs),
                create ? try settings.required(Declared.topicPartitions, flag: topicPartitions) : nil,
                try settings.required(Declared.categories, flag: categories)
            )
        } catch {
            FileHandle.standardError.write(Data("datafeed: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let topic = resolved.kafka.topic
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(
                configuration: .init(
                    bootstrapServers: resolved.kafka.broker, clientID: "foodcount-datafeed",
                    messageTimeout: .milliseconds(resolved.timeout), security: resolved.kafka.security,
                    properties: resolved.kafka.properties),
                logger: Logger(label: "foodcount.datafeed"))
            try Self.checkTopic(topic, producer: producer, createPartitions: resolved.partitions)
        } catch {
            FileHandle.standardError.write(Data("datafeed: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        say(".. connected to \(resolved.kafka.broker), topic \(topic).")
        let (rate, count) = (resolved.rate, resolved.count)
        let names = resolved.categories > 0 ? Foods.generated(resolved.categories) : Foods.all
        let feed = FeedService { stop in
            guard rate > 0 else {
                return try await Self.paced(producer, topic: topic, names: names, count: count, stop: stop)
            }
            // The load generator blocks its thread: it gets one of its own, off the cooperative pool.
            return try await withCheckedThrowingContinuation { continuation in
                Thread {
                    continuation.resume(
                        with: Result {
                            try LoadGenerator(
                                producer: producer, topic: topic, names: names, rate: rate, count: count, stop: stop
                            )
                            .run()
                        })
                }.start()
            }
        }
        // SIGINT and SIGTERM stop the feed gracefully, through swift-service-lifecycle as in the other programs.
        try await ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: feed, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: Logger(label: "foodcount.datafeed"))
        ).run()
        producer.close()
        let failed = feed.failed
        if failed > 0 { throw ExitCode(1) }
    }

    /// Asks the broker for the topic before anything is sent: an unreachable broker or a missing topic is
    /// said at once. Creates a missing topic when asked to.
    private static func checkTopic(_ topic: String, producer: KafkaProducer, createPartitions: Int?) throws {
        let topics: [String: TopicDescription]
        do {
            topics = try producer.describeTopics([topic], timeout: .seconds(10))
        } catch  where error.code == .authentication {
            throw error
        } catch {
            throw DatafeedError("cannot get the topic's metadata from the broker within 10 s: \(error)")
        }
        guard topics[topic] == nil else { return }
        guard let createPartitions else {
            throw DatafeedError(
                "topic '\(topic)' does not exist (check KAFKA_TOPIC, create the topic, or pass --create-topics)")
        }
        try producer.createTopic(topic, partitions: createPartitions, timeout: .seconds(10))
        say(".. created topic \(topic) with \(createPartitions) partitions.")
    }

    /// The original feed: one random food every 1-2 s.
    private static func paced(
        _ producer: KafkaProducer, topic: String, names: [String], count: Int, stop: StopSignal
    ) async throws -> Int {
        var sent = 0
        var failed = 0
        while !stop.isSet, count == 0 || sent < count {
            let food = names.randomElement()!
            say("Sending random message {\"food\": \"\(food)\"}...")
            do {
                _ = try await producer.send(ProducerRecord(topic: topic, value: Array("{\"food\": \"\(food)\"}".utf8)))
            } catch {
                failed += 1
                say("   failed: \(error)")
            }
            sent += 1
            if count != 0, sent >= count { break }
            let wait = Int.random(in: 1...2)
            say("Waiting \(wait) seconds...")
            for _ in 0..<(wait * 10) where !stop.isSet { try await Task.sleep(for: .milliseconds(100)) }
        }
        return failed
    }
}

/// A reason the datafeed cannot start, in one line.
struct DatafeedError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writes a line to standard output at once (unbuffered, so `docker logs` and pipes see it live).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Set when the datafeed is asked to stop (SIGINT or SIGTERM, through ``FeedService``).
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Asks the feed to stop.
    func set() { flag.store(true, ordering: .relaxed) }

    /// Whether the feed was asked to stop.
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
