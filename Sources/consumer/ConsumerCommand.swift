import ArgumentParser
import FoodCountCore
import FoodCountKafka
import FoodCountObservability
import Foundation
import Hummingbird
import KafkaClient
import Logging
import SQLiteStore
import ServiceLifecycle
import UnixSignals

/// `consumer`: counts food events from Kafka into SQLite, exactly once.
@main
struct ConsumerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumer",
        abstract: "Counts food events from Kafka into SQLite, exactly once.",
        discussion: """
            Runs until SIGTERM or SIGINT, then flushes, commits, leaves the group and exits 0.
            Every option can also be set by the environment variable named in its help.
            """
    )

    @OptionGroup var options: ConsumerOptions

    func run() async throws {
        let (format, level) = try LoggingSetup.parse(format: options.logFormat, level: options.logLevel)
        LoggingSetup.bootstrap(format: format, level: level)
        let logger = Logger(label: "foodcount.consumer")
        let exporter = MetricsExporter.bootstrap(program: "consumer")
        let pipeline: CountingPipeline
        let source: KafkaEventSource
        let deadLetterProducer: KafkaProducer?
        do {
            let store = try SQLiteCountStore(configuration: options.storeConfiguration, logger: logger)
            source = try KafkaEventSource(
                configuration: try options.kafkaConfiguration(), topics: [options.topic], logger: logger)
            deadLetterProducer =
                options.dlqTopic.isEmpty
                ? nil : try KafkaProducer(configuration: options.producerConfiguration, logger: logger)
            let sink = deadLetterProducer.map {
                KafkaDeadLetterSink(producer: $0, topic: options.dlqTopic, consumerGroup: options.group)
            }
            pipeline = CountingPipeline(
                source: source, store: store, deadLetterSink: sink, configuration: options.pipelineConfiguration,
                logger: logger)
        } catch {
            FileHandle.standardError.write(Data("consumer: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let readiness = Readiness(pipeline: pipeline, source: source)
        let lagMonitor = KafkaLagMonitor(
            source: source, consumerGroup: options.group, interval: .milliseconds(options.lagIntervalMs), logger: logger
        )
        let http = Application(
            router: ConsumerHTTP.router(exporter: exporter, readiness: readiness),
            configuration: ApplicationConfiguration(
                address: .hostname(options.host, port: options.port), serverName: "foodcount-consumer"),
            logger: logger)
        let reporter = ProgressReporter(
            pipeline: pipeline, lagMonitor: lagMonitor, readiness: readiness,
            interval: .seconds(options.progressInterval), logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
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
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(options.shutdownTimeout)
        logger.info(
            "consumer starting",
            metadata: [
                "broker": "\(options.broker)", "topic": "\(options.topic)", "group": "\(options.group)",
                "database": "\(options.database)", "dead_letter_topic": "\(options.dlqTopic)",
                "http": "http://\(options.host):\(options.port)/metrics",
            ])
        let outcome: Result<Void, any Error>
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        if let deadLetterProducer {
            // Closing flushes and joins a thread: keep that blocking work off the cooperative pool. Whatever
            // is still unacknowledged belongs to a batch that was not committed and is sent again on the
            // next start, so the close waits briefly, not the producer's 10 s.
            await withCheckedContinuation { continuation in
                Thread {
                    deadLetterProducer.close(timeout: .seconds(1))
                    continuation.resume()
                }.start()
            }
        }
        try outcome.get()
    }
}
