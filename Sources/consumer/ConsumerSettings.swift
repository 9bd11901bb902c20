import FoodCountCore
import FoodCountObservability
import FoodCountSettings
import KafkaClient
import Logging
import SQLiteStore

/// Everything the consumer runs with, resolved from its flags, the environment and the defaults.
struct ConsumerSettings: Sendable {
    /// The consumer's own defaults, for what no library configures; the rest are the libraries' defaults.
    enum Defaults {
        static let deadLetterTopic = "message.dlq"
        static let metricsPort = 8081
        static let host = "0.0.0.0"
        static let shutdownTimeoutSeconds = 10
        static let statisticsIntervalMilliseconds = 5_000
        static let lagIntervalMilliseconds = 5_000
        static let progressIntervalSeconds = 10
        static let topicPartitions = 4
    }

    var kafka: KafkaOptions.Resolved
    var consumer: KafkaConsumer.Configuration
    var deadLetterTopic: String
    /// The SQLite store's settings, used when ``database`` is a SQLite file.
    var store: SQLiteCountStore.Configuration
    /// Where the counts go: a SQLite file (``store``) or a PostgreSQL database.
    var database: DatabaseSetting
    var pipeline: CountingPipeline.Configuration
    var host: String
    var metricsPort: Int
    /// Set when the port came from the deprecated `PORT`, so that the consumer can say so.
    var usedDeprecatedPort: Bool
    var shutdownTimeout: Duration
    var lagInterval: Duration
    var progressInterval: Duration
    var createTopics: Bool
    var topicPartitions: Int
    var logFormat: LogFormat
    var logLevel: Logger.Level

    /// The dead-letter producer's settings: the consumer's broker and security.
    var deadLetterProducer: KafkaProducer.Configuration {
        KafkaProducer.Configuration(
            bootstrapServers: kafka.broker, clientID: "foodcount-dead-letters", security: kafka.security,
            properties: kafka.properties)
    }
}

extension ConsumerOptions {
    /// Resolves the flags against the environment and the defaults.
    func resolve(_ settings: Settings) throws(SettingError) -> ConsumerSettings {
        typealias Defaults = ConsumerSettings.Defaults
        let kafka = try kafka.resolve(settings, defaultBroker: KafkaConsumer.Configuration().bootstrapServers)
        var consumer = KafkaConsumer.Configuration()
        consumer.bootstrapServers = kafka.broker
        let groupFromEnvironment = try settings.nonEmpty("CONSUMER_GROUP", expected: "a group name")
        consumer.groupID = group ?? groupFromEnvironment ?? consumer.groupID
        consumer.sessionTimeout = .milliseconds(
            try settings.int(
                flag: sessionTimeoutMs, "--session-timeout-ms", "SESSION_TIMEOUT_MS", in: 1_000...3_600_000,
                default: consumer.sessionTimeout.wholeMilliseconds))
        if let offsetReset {
            consumer.autoOffsetReset = try Settings.choice(
                offsetReset, named: "--offset-reset", as: KafkaConsumer.OffsetReset.self)
        } else if let reset = try settings.choice("AUTO_OFFSET_RESET", as: KafkaConsumer.OffsetReset.self) {
            consumer.autoOffsetReset = reset
        }
        consumer.statisticsInterval = .milliseconds(
            try settings.int(
                flag: statsIntervalMs, "--stats-interval-ms", "STATS_INTERVAL_MS", in: 100...3_600_000,
                default: Defaults.statisticsIntervalMilliseconds))
        consumer.security = kafka.security
        consumer.properties = kafka.properties
        if let key = consumer.overriddenOwnedProperty {
            throw SettingError(
                variable: "KAFKA_PROPERTIES", value: nil,
                expected: "no property the consumer owns, but it sets \(key): "
                    + (KafkaConsumer.Configuration.ownedProperties[key] ?? ""))
        }

        var pipeline = CountingPipeline.Configuration()
        pipeline.maxBatchEvents = try settings.int(
            flag: batchSize, "--batch-size", "BATCH_SIZE", in: 1...CountingPipeline.Configuration.maxBatchEventsLimit,
            default: pipeline.maxBatchEvents)
        pipeline.maxBatchDelay = .milliseconds(
            try settings.int(
                flag: batchDelayMs, "--batch-delay-ms", "BATCH_DELAY_MS", in: 1...3_600_000,
                default: pipeline.maxBatchDelay.wholeMilliseconds))
        let idle = try settings.int(
            flag: batchIdleMs, "--batch-idle-ms", "BATCH_IDLE_MS", in: 0...3_600_000,
            default: pipeline.idleFlushDelay?.wholeMilliseconds ?? 0)
        pipeline.idleFlushDelay = idle == 0 ? nil : .milliseconds(idle)
        if let onNewLog {
            pipeline.onNewLog = try Settings.choice(
                onNewLog, named: "--on-new-log", as: CountingPipeline.NewLogPolicy.self)
        } else if let policy = try settings.choice("ON_NEW_LOG", as: CountingPipeline.NewLogPolicy.self) {
            pipeline.onNewLog = policy
        }
        pipeline.retryBudget = .milliseconds(
            try settings.int(
                flag: retryBudgetMs, "--retry-budget-ms", "RETRY_BUDGET_MS", in: 1...86_400_000,
                default: pipeline.retryBudget.wholeMilliseconds))

        var store = SQLiteCountStore.Configuration(consumerGroup: consumer.groupID)
        let database = try settings.database(flag: self.database, default: store.databasePath)
        let consumerDatabase = self.consumerDatabase ?? settings.string("CONSUMER_DATABASE_PATH") ?? ""
        switch database {
        case .sqlite(let path):
            store.databasePath = path
            store.consumerDatabasePath = consumerDatabase.isEmpty ? nil : consumerDatabase
        case .postgres:
            guard consumerDatabase.isEmpty else {
                throw SettingError(
                    variable: "CONSUMER_DATABASE_PATH", value: consumerDatabase,
                    expected: "nothing with a PostgreSQL database, which keeps the offsets itself")
            }
        }

        var usedDeprecatedPort = false
        var port = try settings.int(flag: metricsPort, "--metrics-port", "METRICS_PORT", in: 1...65_535, default: 0)
        if port == 0 {
            if let deprecated = try settings.int("PORT", in: 1...65_535) {
                port = deprecated
                usedDeprecatedPort = true
            } else {
                port = Defaults.metricsPort
            }
        }
        let (format, level) = try logging.resolve(settings, defaultLevel: .info)
        return ConsumerSettings(
            kafka: kafka, consumer: consumer,
            deadLetterTopic: dlqTopic ?? settings.string("DLQ_TOPIC") ?? Defaults.deadLetterTopic,
            store: store, database: database, pipeline: pipeline,
            host: settings.text(flag: host, "HOST", default: Defaults.host), metricsPort: port,
            usedDeprecatedPort: usedDeprecatedPort,
            shutdownTimeout: .seconds(
                try settings.int(
                    flag: shutdownTimeout, "--shutdown-timeout", "SHUTDOWN_TIMEOUT_SECONDS", in: 1...3_600,
                    default: Defaults.shutdownTimeoutSeconds)),
            lagInterval: .milliseconds(
                try settings.int(
                    flag: lagIntervalMs, "--lag-interval-ms", "LAG_INTERVAL_MS", in: 100...3_600_000,
                    default: Defaults.lagIntervalMilliseconds)),
            progressInterval: .seconds(
                try settings.int(
                    flag: progressInterval, "--progress-interval", "PROGRESS_INTERVAL_SECONDS", in: 1...86_400,
                    default: Defaults.progressIntervalSeconds)),
            createTopics: try settings.bool("CREATE_TOPICS") == true || createTopics,
            topicPartitions: try settings.int(
                flag: topicPartitions, "--topic-partitions", "TOPIC_PARTITIONS", in: 1...10_000,
                default: Defaults.topicPartitions),
            logFormat: format, logLevel: level)
    }

}
