import FoodCountCore
import FoodCountObservability
import FoodCountSettings
import KafkaClient
import Logging
import SQLiteStore

/// Everything the consumer runs with, resolved from its flags, the environment and the defaults.
struct ConsumerSettings: Sendable {
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
    /// Resolves the flags against the environment and the declared defaults (``SettingCatalog``).
    func resolve(_ settings: Settings) throws(SettingError) -> ConsumerSettings {
        typealias Declared = SettingCatalog
        let kafka = try kafka.resolve(settings)
        var consumer = KafkaConsumer.Configuration()
        consumer.bootstrapServers = kafka.broker
        consumer.groupID = try settings.required(Declared.group, flag: group)
        consumer.sessionTimeout = .milliseconds(try settings.required(Declared.sessionTimeout, flag: sessionTimeoutMs))
        consumer.autoOffsetReset = try settings.required(Declared.offsetReset, flag: offsetReset)
        consumer.statisticsInterval = .milliseconds(
            try settings.required(Declared.statisticsInterval, flag: statsIntervalMs))
        consumer.security = kafka.security
        consumer.properties = kafka.properties
        if let key = consumer.overriddenOwnedProperty {
            throw SettingError(
                variable: "KAFKA_PROPERTIES", value: nil,
                expected: "no property the consumer owns, but it sets \(key): "
                    + (KafkaConsumer.Configuration.ownedProperties[key] ?? ""))
        }

        var pipeline = CountingPipeline.Configuration()
        pipeline.maxBatchEvents = try settings.required(Declared.batchSize, flag: batchSize)
        pipeline.maxBatchDelay = .milliseconds(try settings.required(Declared.batchDelay, flag: batchDelayMs))
        let idle = try settings.required(Declared.batchIdle, flag: batchIdleMs)
        pipeline.idleFlushDelay = idle == 0 ? nil : .milliseconds(idle)
        pipeline.onNewLog = try settings.required(Declared.onNewLog, flag: onNewLog)
        pipeline.errorTolerance = try settings.required(Declared.errorTolerance, flag: errorsTolerance)
        pipeline.retryBudget = .milliseconds(try settings.required(Declared.retryBudget, flag: retryBudgetMs))

        var store = SQLiteCountStore.Configuration(consumerGroup: consumer.groupID)
        let database = try settings.database(flag: self.database, default: store.databasePath)
        let consumerDatabase = try settings.value(Declared.consumerDatabase, flag: self.consumerDatabase) ?? ""
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
        var port = try settings.required(Declared.metricsPort, flag: metricsPort)
        if metricsPort == nil, settings.string(Declared.metricsPort.variable) == nil,
            settings.string(Declared.port.variable) != nil
        {
            port = try settings.required(Declared.port)
            usedDeprecatedPort = true
        }
        let (format, level) = try logging.resolve(settings, defaultLevel: .info)
        let createTopicsFromEnvironment = try settings.required(Declared.createTopics)
        return ConsumerSettings(
            kafka: kafka, consumer: consumer,
            deadLetterTopic: try settings.required(Declared.deadLetterTopic, flag: dlqTopic),
            store: store, database: database, pipeline: pipeline,
            host: try settings.required(Declared.host, flag: host), metricsPort: port,
            usedDeprecatedPort: usedDeprecatedPort,
            shutdownTimeout: .seconds(try settings.required(Declared.shutdownTimeout, flag: shutdownTimeout)),
            lagInterval: .milliseconds(try settings.required(Declared.lagInterval, flag: lagIntervalMs)),
            progressInterval: .seconds(try settings.required(Declared.progressInterval, flag: progressInterval)),
            createTopics: createTopicsFromEnvironment || createTopics,
            topicPartitions: try settings.required(Declared.topicPartitions, flag: topicPartitions),
            logFormat: format, logLevel: level)
    }
}
