import FoodCountCore
import FoodCountObservability
import Foundation
import KafkaClient
import Logging
import SQLiteStore

/// Every setting of every program, each declared once (``Setting``). The programs' flags and help, their
/// reads, README's configuration table (checked by `ConfigurationDocumentationTests`) and
/// `consumer check-config` all follow this list. The defaults are the libraries' (their `Configuration`
/// structs), or, for what only a program has, here.
public enum SettingCatalog {
    private static let kafkaUsers: [Program] = [.consumer, .datafeed, .foodcount]
    private static let pipeline = CountingPipeline.Configuration()
    private static let kafkaConsumer = KafkaConsumer.Configuration()

    // MARK: Kafka

    /// `KAFKA_BROKER`.
    public static let broker = Setting<String>.text(
        "KAFKA_BROKER", flag: "broker", "Kafka bootstrap servers, host:port[,host:port]", programs: kafkaUsers,
        default: kafkaConsumer.bootstrapServers, expected: "host:port[,host:port]")
    /// `KAFKA_TOPIC`.
    public static let topic = Setting<String>.text(
        "KAFKA_TOPIC", flag: "topic", "The topic", programs: kafkaUsers, default: "message", expected: "a topic name")
    /// `KAFKA_SECURITY_PROTOCOL`.
    public static let securityProtocol = Setting<KafkaSecurity.SecurityProtocol>.choice(
        "KAFKA_SECURITY_PROTOCOL", flag: "security-protocol", "How to reach the brokers", programs: kafkaUsers,
        default: .plaintext)
    /// `KAFKA_SSL_CA_FILE`.
    public static let sslCAFile = Setting<String>.text(
        "KAFKA_SSL_CA_FILE", flag: "ssl-ca-file", "CA certificates (PEM) to check the brokers against",
        programs: kafkaUsers, shown: "the system's CAs", expected: "a file path")
    /// `KAFKA_SSL_CERT_FILE`.
    public static let sslCertificateFile = Setting<String>.text(
        "KAFKA_SSL_CERT_FILE", flag: "ssl-cert-file",
        "Client certificate (PEM), for clusters that authenticate clients by TLS", programs: kafkaUsers,
        expected: "a file path")
    /// `KAFKA_SSL_KEY_FILE`.
    public static let sslKeyFile = Setting<String>.text(
        "KAFKA_SSL_KEY_FILE", flag: "ssl-key-file",
        "The client certificate's private key (PEM); its password: env KAFKA_SSL_KEY_PASSWORD or KAFKA_SSL_KEY_PASSWORD_FILE",
        programs: kafkaUsers, expected: "a file path")
    /// `KAFKA_SSL_KEY_PASSWORD`: a secret, never a flag.
    public static let sslKeyPassword = Setting<String>.optionalText(
        "KAFKA_SSL_KEY_PASSWORD", flag: nil, "The private key's password", programs: kafkaUsers
    ).secret()
    /// `KAFKA_SASL_MECHANISM`.
    public static let saslMechanism = Setting<KafkaSecurity.SASLMechanism>.choice(
        "KAFKA_SASL_MECHANISM", flag: "sasl-mechanism", "SASL mechanism", programs: kafkaUsers)
    /// `KAFKA_SASL_USERNAME`.
    public static let saslUsername = Setting<String>.text(
        "KAFKA_SASL_USERNAME", flag: "sasl-username",
        "SASL username; the password: env KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE", programs: kafkaUsers,
        expected: "a user name")
    /// `KAFKA_SASL_PASSWORD`: a secret, never a flag.
    public static let saslPassword = Setting<String>.optionalText(
        "KAFKA_SASL_PASSWORD", flag: nil, "SASL password", programs: kafkaUsers
    ).secret()
    /// `KAFKA_PROPERTIES`: raw librdkafka properties (`--kafka-property`, repeatable).
    public static let kafkaProperties = Setting<[(String, String)]>(
        "KAFKA_PROPERTIES", flag: "kafka-property",
        "Raw librdkafka property key=value, repeatable; applied last, to the dead-letter producer too; a value may hold commas (env: key=value,key=value)",
        programs: kafkaUsers, isSecret: true, expected: "key=value[,key=value...]"
    ) { text in try? KafkaProperties.parse(text, named: "KAFKA_PROPERTIES") }

    // MARK: The counts

    /// `CONSUMER_GROUP`.
    public static let group = Setting<String>.text(
        "CONSUMER_GROUP", flag: "group", "Consumer group", programs: [.consumer, .foodcount],
        default: kafkaConsumer.groupID, expected: "a group name")
    /// `DATABASE_PATH`, and `--database`, which takes a path or a URL.
    public static let databasePath = Setting<String>.text(
        "DATABASE_PATH", flag: "database",
        "The SQLite database holding the counts, or a postgres://user@host:port/database URL; a URL with a password belongs in env DATABASE_URL or DATABASE_URL_FILE, out of ps",
        programs: [.consumer, .api, .foodcount], default: SQLiteCountStore.Configuration().databasePath,
        expected: "a file path")
    /// `DATABASE_URL`: a secret (it may hold a password), never a flag.
    public static let databaseURL = Setting<String>.text(
        "DATABASE_URL", flag: nil, "A postgres:// URL or a SQLite file path, instead of DATABASE_PATH",
        programs: [.consumer, .api, .foodcount], isSecret: true,
        expected: "a postgres:// URL or a SQLite file path")
    /// `CONSUMER_DATABASE_PATH`.
    public static let consumerDatabase = Setting<String>.optionalText(
        "CONSUMER_DATABASE_PATH", flag: "consumer-database",
        "The consumer's offsets database, beside the counts database by default; SQLite only",
        programs: [.consumer, .foodcount], shown: "foodcount-consumer.db")

    // MARK: The consumer

    /// `DLQ_TOPIC`.
    public static let deadLetterTopic = Setting<String>.optionalText(
        "DLQ_TOPIC", flag: "dlq-topic", "Dead-letter topic for events that cannot be counted; empty only logs them",
        programs: [.consumer], default: "message.dlq")
    /// `ERRORS_TOLERANCE`.
    public static let errorTolerance = Setting<CountingPipeline.ErrorTolerance>.choice(
        "ERRORS_TOLERANCE", flag: "errors-tolerance",
        "What an event that cannot be counted does: dead-letter it and go on, or stop (exit 2) on the first",
        programs: [.consumer], default: pipeline.errorTolerance)
    /// `METRICS_PORT`.
    public static let metricsPort = Setting<Int>.integer(
        "METRICS_PORT", flag: "metrics-port",
        "Port of /metrics, /livez and /readyz (PORT is read too, deprecated)", programs: [.consumer],
        in: 1...65_535, default: 8_081)
    /// `HOST`.
    public static let host = Setting<String>.text(
        "HOST", flag: "host", "Address the HTTP server listens on", programs: [.consumer, .api], default: "0.0.0.0",
        expected: "an address")
    /// `BATCH_SIZE`.
    public static let batchSize = Setting<Int>.integer(
        "BATCH_SIZE", flag: "batch-size", "Flush a batch at this many events, or up to 10x while a commit runs",
        programs: [.consumer], in: 1...CountingPipeline.Configuration.maxBatchEventsLimit,
        default: pipeline.maxBatchEvents)
    /// `BATCH_DELAY_MS`.
    public static let batchDelay = Setting<Int>.integer(
        "BATCH_DELAY_MS", flag: "batch-delay-ms", "Flush a batch when its oldest event is this many milliseconds old",
        programs: [.consumer], in: 1...3_600_000, default: pipeline.maxBatchDelay.wholeMilliseconds)
    /// `BATCH_IDLE_MS`.
    public static let batchIdle = Setting<Int>.integer(
        "BATCH_IDLE_MS", flag: "batch-idle-ms",
        "Flush as soon as the stream pauses: every partition read to its end (at most this often), or a poll this many milliseconds long brought nothing; 0 never",
        programs: [.consumer], in: 0...3_600_000, default: pipeline.idleFlushDelay?.wholeMilliseconds ?? 0)
    /// `RETRY_BUDGET_MS`.
    public static let retryBudget = Setting<Int>.integer(
        "RETRY_BUDGET_MS", flag: "retry-budget-ms",
        "How long commits may keep failing before consumption pauses and the consumer reports not ready, in milliseconds",
        programs: [.consumer], in: 1...86_400_000, default: pipeline.retryBudget.wholeMilliseconds)
    /// `SESSION_TIMEOUT_MS`.
    public static let sessionTimeout = Setting<Int>.integer(
        "SESSION_TIMEOUT_MS", flag: "session-timeout-ms", "Group session timeout in milliseconds",
        programs: [.consumer], in: 1_000...3_600_000, default: kafkaConsumer.sessionTimeout.wholeMilliseconds)
    /// `AUTO_OFFSET_RESET`.
    public static let offsetReset = Setting<KafkaConsumer.OffsetReset>.choice(
        "AUTO_OFFSET_RESET", flag: "offset-reset", "Where partitions without a stored offset start",
        programs: [.consumer], default: kafkaConsumer.autoOffsetReset)
    /// `SHUTDOWN_TIMEOUT_SECONDS`.
    public static let shutdownTimeout = Setting<Int>.integer(
        "SHUTDOWN_TIMEOUT_SECONDS", flag: "shutdown-timeout", "Seconds allowed for a graceful shutdown",
        programs: [.consumer], in: 1...3_600, default: 10)
    /// `ON_NEW_LOG`.
    public static let onNewLog = Setting<CountingPipeline.NewLogPolicy>.choice(
        "ON_NEW_LOG", flag: "on-new-log",
        "What a partition whose log is a new one (its topic ID changed: a topic recreated, or moved by MirrorMaker) does: count it from its beginning, with a warning naming both IDs, or refuse (stop; foodcount rebuild recounts)",
        programs: [.consumer], default: pipeline.onNewLog)
    /// `STATS_INTERVAL_MS`.
    public static let statisticsInterval = Setting<Int>.integer(
        "STATS_INTERVAL_MS", flag: "stats-interval-ms",
        "librdkafka statistics interval in milliseconds, for health checks", programs: [.consumer],
        in: 100...3_600_000, default: 5_000)
    /// `LAG_INTERVAL_MS`.
    public static let lagInterval = Setting<Int>.integer(
        "LAG_INTERVAL_MS", flag: "lag-interval-ms", "How often consumer lag is measured, in milliseconds",
        programs: [.consumer], in: 100...3_600_000, default: 5_000)
    /// `PROGRESS_INTERVAL_SECONDS`.
    public static let progressInterval = Setting<Int>.integer(
        "PROGRESS_INTERVAL_SECONDS", flag: "progress-interval", "How often a progress line is logged, in seconds",
        programs: [.consumer], in: 1...86_400, default: 10)
    /// `CREATE_TOPICS`.
    public static let createTopics = Setting<Bool>.yesNo(
        "CREATE_TOPICS", flag: "create-topics", "Create the topic when it does not exist, for development",
        programs: [.consumer, .datafeed])
    /// `TOPIC_PARTITIONS`.
    public static let topicPartitions = Setting<Int>.integer(
        "TOPIC_PARTITIONS", flag: "topic-partitions", "Partitions of a topic --create-topics creates",
        programs: [.consumer, .datafeed], in: 1...10_000, default: 4)

    // MARK: The datafeed

    /// The most categories `datafeed --categories` makes.
    public static let maxGeneratedCategories = 1_000_000
    /// `DATAFEED_RATE`.
    public static let rate = Setting<Int>.integer(
        "DATAFEED_RATE", flag: "rate", "Events per second; 0 means the original pace of one every 1-2 s",
        programs: [.datafeed], in: 0...100_000_000, default: 0)
    /// `DATAFEED_COUNT`.
    public static let count = Setting<Int>.integer(
        "DATAFEED_COUNT", flag: "count", "Stop after this many events; 0 means run until interrupted",
        programs: [.datafeed], in: 0...Int.max, default: 0)
    /// `DATAFEED_CATEGORIES`.
    public static let categories = Setting<Int>.integer(
        "DATAFEED_CATEGORIES", flag: "categories",
        "Send N distinct categories (category-000000 …, 15 to 55 bytes) instead of the food menu, in turn, for load tests at high cardinality; 0: the menu",
        programs: [.datafeed], in: 0...maxGeneratedCategories, default: 0)
    /// `DATAFEED_DELIVERY_TIMEOUT_MS`: a broker that is down is reported in seconds, not after librdkafka's 30.
    public static let deliveryTimeout = Setting<Int>.integer(
        "DATAFEED_DELIVERY_TIMEOUT_MS", flag: "delivery-timeout-ms",
        "How long a send may wait for the broker's acknowledgement, in milliseconds", programs: [.datafeed],
        in: 100...600_000, default: 10_000)

    // MARK: The api

    /// `PORT`.
    public static let port = Setting<Int>.integer(
        "PORT", flag: "port", "Port to listen on", programs: [.api], in: 1...65_535, default: 8_080)

    /// `CORS_ORIGINS` (`--cors-origin`, repeatable): parsed by the api (`CORSOrigins`).
    public static let corsOrigins = Setting<String>.optionalText(
        "CORS_ORIGINS", flag: "cors-origin",
        "A browser origin allowed to read the API from another site, such as https://dash.example.com, or * for any; repeatable (env: comma-separated)",
        programs: [.api], shown: "none: no CORS")

    // MARK: Every program

    /// `LOG_FORMAT`.
    public static let logFormat = Setting<LogFormat>.choice(
        "LOG_FORMAT", flag: "log-format", "Log format: json is one object per line", programs: Program.allCases,
        default: .text, emptyMeansDefault: true)
    /// `LOG_LEVEL`: `info`, or `warning` for the datafeed and the operator's commands.
    public static let logLevel = Setting<Logger.Level>(
        "LOG_LEVEL", flag: "log-level",
        "Log level (trace, debug, info, notice, warning, error, critical); the datafeed and foodcount log warnings and worse by default",
        programs: Program.allCases,
        shown: "info", expected: "one of trace, debug, info, notice, warning, error, critical", emptyMeansDefault: true
    ) { Logger.Level(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }

    /// Every setting, in the order of README's table.
    public static let all: [any DeclaredSetting] = [
        broker, topic, securityProtocol, sslCAFile, sslCertificateFile, sslKeyFile, sslKeyPassword, saslMechanism,
        saslUsername, saslPassword, kafkaProperties, group, databasePath, databaseURL, consumerDatabase,
        metricsPort, port, host, deadLetterTopic, errorTolerance, retryBudget, statisticsInterval, lagInterval,
        progressInterval, batchSize, batchDelay, batchIdle, sessionTimeout, offsetReset, shutdownTimeout, onNewLog,
        createTopics, topicPartitions, rate, count, deliveryTimeout, categories, corsOrigins, logFormat, logLevel,
    ]

    /// The settings `program` reads.
    public static func settings(of program: Program) -> [any DeclaredSetting] {
        all.filter { $0.programs.contains(program) }
    }

    /// The variables that hold secrets.
    public static var secretVariables: Set<String> { Set(all.filter(\.isSecret).map(\.variable)) }
}

extension Setting {
    /// The same setting, as a secret.
    func secret() -> Setting {
        Setting(
            variable, flag: flag, summary, programs: programs, default: defaultValue, shown: defaultDescription,
            isSecret: true, expected: expected, emptyMeansDefault: emptyMeansDefault,
            parse: { [self] text in try? self.parse(text, named: variable) })
    }
}
