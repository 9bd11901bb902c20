import ArgumentParser
import FoodCountCore
import FoodCountSettings
import KafkaClient
import SQLiteStore

/// The consumer's flags. Each falls back to the environment variable its help names, then to the default,
/// which lives in the library's `Configuration` (or, for the program's own settings, in
/// ``ConsumerSettings/Defaults``). A bad value stops the consumer with one line naming it.
struct ConsumerOptions: ParsableArguments {
    private static let pipeline = CountingPipeline.Configuration()
    private static let kafkaConsumer = KafkaConsumer.Configuration()
    private static let store = SQLiteCountStore.Configuration()
    private typealias Defaults = ConsumerSettings.Defaults

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Consumer group (env CONSUMER_GROUP; default \(Self.kafkaConsumer.groupID)).")
    var group: String?

    @Option(
        help:
            "Dead-letter topic for events that cannot be counted; empty only logs them (env DLQ_TOPIC; default \(Defaults.deadLetterTopic))."
    )
    var dlqTopic: String?

    @Option(
        help:
            "The API's SQLite database, or a postgres://user@host:port/database URL (env DATABASE_URL or DATABASE_PATH; default \(Self.store.databasePath))."
    )
    var database: String?

    @Option(
        help:
            "The consumer's offsets database (env CONSUMER_DATABASE_PATH; default foodcount-consumer.db beside --database)."
    )
    var consumerDatabase: String?

    @Option(
        help:
            "Port of /metrics, /livez and /readyz (env METRICS_PORT; PORT is read too, deprecated; default \(Defaults.metricsPort))."
    )
    var metricsPort: Int?

    @Option(help: "Address /metrics, /livez and /readyz listen on (env HOST; default \(Defaults.host)).")
    var host: String?

    @Option(
        help:
            "Flush a batch at this many events, or up to 10x while a commit runs (env BATCH_SIZE; default \(Self.pipeline.maxBatchEvents))."
    )
    var batchSize: Int?

    @Option(
        help:
            "Flush a batch when its oldest event is this many milliseconds old (env BATCH_DELAY_MS; default \(Self.pipeline.maxBatchDelay.wholeMilliseconds))."
    )
    var batchDelayMs: Int?

    @Option(
        help:
            "Flush as soon as the stream pauses: every partition read to its end (at most this often), or a poll this many milliseconds long brought nothing; 0 never (env BATCH_IDLE_MS; default \(Self.pipeline.idleFlushDelay?.wholeMilliseconds ?? 0))."
    )
    var batchIdleMs: Int?

    @Option(
        help:
            "How long commits may keep failing before consumption pauses and the consumer reports not ready, in milliseconds (env RETRY_BUDGET_MS; default \(Self.pipeline.retryBudget.wholeMilliseconds))."
    )
    var retryBudgetMs: Int?

    @Option(
        help:
            "Group session timeout in milliseconds (env SESSION_TIMEOUT_MS; default \(Self.kafkaConsumer.sessionTimeout.wholeMilliseconds))."
    )
    var sessionTimeoutMs: Int?

    @Option(
        help:
            "Where partitions without a stored offset start: earliest or latest (env AUTO_OFFSET_RESET; default \(Self.kafkaConsumer.autoOffsetReset.rawValue))."
    )
    var offsetReset: String?

    @Option(
        help:
            "Seconds allowed for a graceful shutdown (env SHUTDOWN_TIMEOUT_SECONDS; default \(Defaults.shutdownTimeoutSeconds))."
    )
    var shutdownTimeout: Int?

    @Option(
        help:
            "What a partition whose log is a new one (its topic ID changed: a topic recreated, or moved by MirrorMaker) does: count (from the new log's beginning, with a warning naming both IDs) or refuse (stop; foodcount rebuild recounts) (env ON_NEW_LOG; default \(Self.pipeline.onNewLog.rawValue))."
    )
    var onNewLog: String?

    @Option(
        help:
            "librdkafka statistics interval in milliseconds, for health checks (env STATS_INTERVAL_MS; default \(Defaults.statisticsIntervalMilliseconds))."
    )
    var statsIntervalMs: Int?

    @Option(
        help:
            "How often consumer lag is measured, in milliseconds (env LAG_INTERVAL_MS; default \(Defaults.lagIntervalMilliseconds))."
    )
    var lagIntervalMs: Int?

    @Option(
        help:
            "How often a progress line is logged, in seconds (env PROGRESS_INTERVAL_SECONDS; default \(Defaults.progressIntervalSeconds))."
    )
    var progressInterval: Int?

    @Flag(help: "Create the topic when it does not exist, for development (env CREATE_TOPICS=true).")
    var createTopics = false

    @Option(
        help:
            "Partitions of a topic --create-topics creates (env TOPIC_PARTITIONS; default \(Defaults.topicPartitions))."
    )
    var topicPartitions: Int?

    @OptionGroup var logging: LoggingOptions
}
