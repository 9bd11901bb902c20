import ArgumentParser
import FoodCountSettings

/// The consumer's flags. Each is declared once in ``SettingCatalog`` (its name, variable, default, allowed
/// values and help); each falls back to the variable, then to the default. A bad value stops the consumer
/// with one line naming it.
struct ConsumerOptions: ParsableArguments {
    @OptionGroup var kafka: KafkaOptions
    @Option(SettingCatalog.group) var group: String?
    @Option(SettingCatalog.deadLetterTopic) var dlqTopic: String?
    @Option(SettingCatalog.errorTolerance) var errorsTolerance: String?
    @Option(SettingCatalog.databasePath) var database: String?
    @Option(SettingCatalog.consumerDatabase) var consumerDatabase: String?
    @Option(SettingCatalog.metricsPort) var metricsPort: String?
    @Option(SettingCatalog.host) var host: String?
    @Option(SettingCatalog.batchSize) var batchSize: String?
    @Option(SettingCatalog.batchDelay) var batchDelayMs: String?
    @Option(SettingCatalog.batchIdle) var batchIdleMs: String?
    @Option(SettingCatalog.retryBudget) var retryBudgetMs: String?
    @Option(SettingCatalog.sessionTimeout) var sessionTimeoutMs: String?
    @Option(SettingCatalog.offsetReset) var offsetReset: String?
    @Option(SettingCatalog.shutdownTimeout) var shutdownTimeout: String?
    @Option(SettingCatalog.onNewLog) var onNewLog: String?
    @Option(SettingCatalog.statisticsInterval) var statsIntervalMs: String?
    @Option(SettingCatalog.lagInterval) var lagIntervalMs: String?
    @Option(SettingCatalog.progressInterval) var progressInterval: String?
    @Flag(SettingCatalog.createTopics) var createTopics: Bool
    @Option(SettingCatalog.topicPartitions) var topicPartitions: String?
    @OptionGroup var logging: LoggingOptions

    /// The flags given, by the variable of their setting: `check-config` checks each.
    var given: [String: String] {
        let flags: [(any DeclaredSetting, String?)] = [
            (SettingCatalog.group, group), (SettingCatalog.deadLetterTopic, dlqTopic),
            (SettingCatalog.errorTolerance, errorsTolerance), (SettingCatalog.consumerDatabase, consumerDatabase),
            (SettingCatalog.metricsPort, metricsPort), (SettingCatalog.host, host),
            (SettingCatalog.batchSize, batchSize), (SettingCatalog.batchDelay, batchDelayMs),
            (SettingCatalog.batchIdle, batchIdleMs), (SettingCatalog.retryBudget, retryBudgetMs),
            (SettingCatalog.sessionTimeout, sessionTimeoutMs), (SettingCatalog.offsetReset, offsetReset),
            (SettingCatalog.shutdownTimeout, shutdownTimeout), (SettingCatalog.onNewLog, onNewLog),
            (SettingCatalog.statisticsInterval, statsIntervalMs), (SettingCatalog.lagInterval, lagIntervalMs),
            (SettingCatalog.progressInterval, progressInterval), (SettingCatalog.topicPartitions, topicPartitions),
        ]
        var given = kafka.given.merging(logging.given) { $1 }
        for case (let setting, let text?) in flags { given[setting.variable] = text }
        // --database takes a path or a URL, and wins over both variables.
        if let database {
            given[SettingCatalog.databasePath.variable] = database
            given[SettingCatalog.databaseURL.variable] = database
        }
        return given
    }
}
