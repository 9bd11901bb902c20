import ArgumentParser
import FoodCountCore
import FoodCountKafka
import FoodCountObservability
import FoodCountSettings
import Foundation
import Hummingbird
import KafkaClient
import Logging
import PostgresStore
import SQLiteStore
import ServiceLifecycle
import UnixSignals

/// `consumer`: counts food events from Kafka into SQLite or PostgreSQL, exactly once.
@main
struct ConsumerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumer",
        abstract: "Counts food events from Kafka into SQLite or PostgreSQL, exactly once.",
        discussion: """
            Runs until SIGTERM or SIGINT, then flushes, commits, leaves the group and exits 0.
            Every option can also be set by the environment variable named in its help.
            """,
        version: BuildInfo.description,
        subcommands: [ConsumerCheckConfig.self, ConsumerProbe.self]
    )

    @OptionGroup var options: ConsumerOptions

    func run() async throws {
        let settings: ConsumerSettings
        do {
            settings = try options.resolve(Settings())
        } catch {
            FileHandle.standardError.write(Data("consumer: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        LoggingSetup.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "foodcount.consumer")
        if let warning = DatabaseSetting.passwordWarning(flag: options.database) {
            logger.warning("\(warning)")
        }
        if settings.usedDeprecatedPort {
            logger.warning("PORT is deprecated for the consumer (the api reads it too); use METRICS_PORT")
        }
        let exporter = MetricsExporter.bootstrap(program: "consumer")
        let pipeline: CountingPipeline
        let source: KafkaEventSource
        let deadLetterProducer: KafkaProducer?
        do {
            try Librdkafka.requireSupportedVersion()
            let store: any CountStore =
                switch settings.database {
                case .sqlite: try SQLiteCountStore(configuration: settings.store, logger: logger)
                case .postgres(let location):
                    try PostgresCountStore(
                        configuration: .init(location: location, consumerGroup: settings.consumer.groupID),
                        logger: logger)
                }
            source = try KafkaEventSource(
                configuration: settings.consumer, topics: [settings.kafka.topic], logger: logger)
            // ERRORS_TOLERANCE=stop never dead-letters.
            deadLetterProducer =
                settings.deadLetterTopic.isEmpty || settings.pipeline.errorTolerance == .stop
                ? nil : try KafkaProducer(configuration: settings.deadLetterProducer, logger: logger)
            let sink = deadLetterProducer.map {
                KafkaDeadLetterSink(
                    producer: $0, topic: settings.deadLetterTopic, consumerGroup: settings.consumer.groupID)
            }
            pipeline = CountingPipeline(
                source: source, store: store, deadLetterSink: sink, configuration: settings.pipeline, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("consumer: error: \(error)\n".utf8))
            throw ExitCode(ExitStatus.atStart(error, database: settings.database))
        }
        let topicMonitor = KafkaTopicMonitor(
            consumer: source.consumer, topic: settings.kafka.topic,
            createPartitions: settings.createTopics ? settings.topicPartitions : nil, reportingTo: source,
            logger: logger)
        // The dead-letter topic is checked like the topic (and created with it, for development); not reported
        // to the source, which counts only the topic.
        let deadLetterMonitor =
            deadLetterProducer == nil
            ? nil
            : KafkaTopicMonitor(
                consumer: source.consumer, topic: settings.deadLetterTopic,
                createPartitions: settings.createTopics ? 1 : nil, logger: logger)
        // Both at once: each may wait out its query's timeout (a broker refusing the credentials).
        async let topicChecked = topicMonitor.checkNow()
        async let deadLettersChecked = deadLetterMonitor?.checkNow()
        _ = await (topicChecked, deadLettersChecked)
        let readiness = Readiness(
            pipeline: pipeline, source: source, topicMonitor: topicMonitor, deadLetterMonitor: deadLetterMonitor)
        let lagMonitor = KafkaLagMonitor(
            source: source, consumerGroup: settings.consumer.groupID, interval: settings.lagInterval, logger: logger)
        let http = Application(
            router: ConsumerHTTP.router(exporter: exporter, readiness: { readiness.report() }),
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.metricsPort), serverName: "foodcount-consumer"),
            logger: logger)
        let reporter = ProgressReporter(
            pipeline: pipeline, lagMonitor: lagMonitor, readiness: readiness, interval: settings.progressInterval,
            logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: topicMonitor, successTerminationBehavior: .ignore),
                .init(
                    service: PipelineService(pipeline: pipeline), successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: lagMonitor),
                .init(service: reporter),
                .init(service: http, failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        if let deadLetterMonitor {
            groupConfiguration.services.append(.init(service: deadLetterMonitor, successTerminationBehavior: .ignore))
        }
        groupConfiguration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        logger.info(
            "consumer starting",
            metadata: [
                "broker": "\(settings.kafka.broker)", "topic": "\(settings.kafka.topic)",
                "group": "\(settings.consumer.groupID)", "database": "\(settings.database)",
                "dead_letter_topic": "\(settings.deadLetterTopic)",
                "security_protocol": "\(settings.kafka.security.securityProtocol.rawValue)",
                "librdkafka": "\(Librdkafka.version)",
                "http": "http://\(settings.host):\(settings.metricsPort)/metrics",
            ])
        let outcome: Result<Void, any Error>
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // The pipeline destroyed both clients when it stopped (its source's consumer, its sink's producer); a
        // pipeline that never ran did not. Destroying joins librdkafka's threads, so nothing of librdkafka runs
        // while the process exits (docs/design.md, "Teardown"). Blocking work: off the cooperative pool.
        await withCheckedContinuation { continuation in
            Thread {
                source.consumer.destroy()
                deadLetterProducer?.destroy(closingWithin: .seconds(1))
                continuation.resume()
            }.start()
        }
        if case .failure(let error) = outcome {
            FileHandle.standardError.write(Data("consumer: error: \(error)\n".utf8))
            // A refusal to count (credentials, counts of another group or changed behind the consumer, a new log
            // refused) is the operator's to resolve, as at start; anything else may pass with a restart.
            let refused =
                (error as? KafkaError)?.code == .authentication || (error as? StoreError)?.code == .inconsistent
                || [.newLogRefused, .untolerated].contains((error as? PipelineError)?.code)
            throw ExitCode(refused ? ExitStatus.configuration : ExitStatus.failure)
        }
    }
}
