import ArgumentParser
import FoodCountCore
import Foundation
import KafkaClient
import Logging
import SQLiteStore

private let environment = ProcessInfo.processInfo.environment

/// The consumer's flags; each falls back to an environment variable.
struct ConsumerOptions: ParsableArguments {
    @Option(help: "Port of the HTTP endpoints /metrics, /livez and /readyz (env PORT).")
    var port: Int = Int(environment["PORT"] ?? "") ?? 8081

    @Option(help: "Address the HTTP endpoints listen on (env HOST).")
    var host: String = environment["HOST"] ?? "0.0.0.0"

    @Option(help: "librdkafka statistics interval in milliseconds, for health checks (env STATS_INTERVAL_MS).")
    var statsIntervalMs: Int = Int(environment["STATS_INTERVAL_MS"] ?? "") ?? 5_000

    @Option(help: "How often consumer lag is measured, in milliseconds (env LAG_INTERVAL_MS).")
    var lagIntervalMs: Int = Int(environment["LAG_INTERVAL_MS"] ?? "") ?? 5_000

    @Option(help: "How often a progress line is logged, in seconds (env PROGRESS_INTERVAL_SECONDS).")
    var progressInterval: Int = Int(environment["PROGRESS_INTERVAL_SECONDS"] ?? "") ?? 10

    @Option(help: "Kafka bootstrap servers, host:port[,host:port] (env KAFKA_BROKER).")
    var broker: String = environment["KAFKA_BROKER"] ?? "localhost:9092"

    @Option(help: "Topic to consume (env KAFKA_TOPIC).")
    var topic: String = environment["KAFKA_TOPIC"] ?? "message"

    @Option(help: "Consumer group (env CONSUMER_GROUP).")
    var group: String = environment["CONSUMER_GROUP"] ?? "foodcount"

    @Option(help: "Dead-letter topic for events that cannot be counted; empty only logs them (env DLQ_TOPIC).")
    var dlqTopic: String = environment["DLQ_TOPIC"] ?? "message.dlq"

    @Option(help: "The API's SQLite database (env DATABASE_PATH).")
    var database: String = environment["DATABASE_PATH"] ?? "data/foodcount.db"

    @Option(
        help:
            "The consumer's offsets database; empty means foodcount-consumer.db beside --database (env CONSUMER_DATABASE_PATH)."
    )
    var consumerDatabase: String = environment["CONSUMER_DATABASE_PATH"] ?? ""

    @Option(help: "Flush a batch at this many events, or up to 10x while a commit runs (env BATCH_SIZE).")
    var batchSize: Int = Int(environment["BATCH_SIZE"] ?? "") ?? 100_000

    @Option(help: "Flush a batch when its oldest event is this many milliseconds old (env BATCH_DELAY_MS).")
    var batchDelayMs: Int = Int(environment["BATCH_DELAY_MS"] ?? "") ?? 200

    @Option(
        help:
            "Flush a batch as soon as the stream pauses: every partition read to its end (at most this often), or a poll this many milliseconds long brought nothing; 0 never (env BATCH_IDLE_MS)."
    )
    var batchIdleMs: Int = Int(environment["BATCH_IDLE_MS"] ?? "") ?? 20

    @Option(
        help:
            "How long commits may keep failing before consumption pauses and the consumer reports not ready, in milliseconds (env RETRY_BUDGET_MS)."
    )
    var retryBudgetMs: Int = Int(environment["RETRY_BUDGET_MS"] ?? "") ?? 10_000

    @Option(help: "Group session timeout in milliseconds (env SESSION_TIMEOUT_MS).")
    var sessionTimeoutMs: Int = Int(environment["SESSION_TIMEOUT_MS"] ?? "") ?? 10_000

    @Option(help: "Where partitions without a stored offset start: earliest or latest (env AUTO_OFFSET_RESET).")
    var offsetReset: String = environment["AUTO_OFFSET_RESET"] ?? "earliest"

    @Option(help: "Seconds allowed for a graceful shutdown (env SHUTDOWN_TIMEOUT_SECONDS).")
    var shutdownTimeout: Int = Int(environment["SHUTDOWN_TIMEOUT_SECONDS"] ?? "") ?? 10

    @Option(
        name: .customLong("kafka-property"),
        help: "Raw librdkafka property key=value, repeatable; applied last (env KAFKA_PROPERTIES, comma-separated).")
    var kafkaProperties: [String] =
        (environment["KAFKA_PROPERTIES"] ?? "").split(separator: ",").map(String.init)

    @Option(help: "Log format: text or json, one object per line (env LOG_FORMAT).")
    var logFormat: String = environment["LOG_FORMAT"] ?? "text"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env LOG_LEVEL).")
    var logLevel: String = environment["LOG_LEVEL"] ?? "info"

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1...65535, got \(port)") }
        guard statsIntervalMs >= 100 else { throw ValidationError("--stats-interval-ms must be at least 100") }
        guard lagIntervalMs >= 100 else { throw ValidationError("--lag-interval-ms must be at least 100") }
        guard progressInterval > 0 else { throw ValidationError("--progress-interval must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard retryBudgetMs > 0 else {
            throw ValidationError("--retry-budget-ms must be positive, got \(retryBudgetMs)")
        }
        guard batchDelayMs > 0 else { throw ValidationError("--batch-delay-ms must be positive, got \(batchDelayMs)") }
        guard batchIdleMs >= 0 else { throw ValidationError("--batch-idle-ms must be 0 or more, got \(batchIdleMs)") }
        guard sessionTimeoutMs >= 1_000 else { throw ValidationError("--session-timeout-ms must be at least 1000") }
        guard shutdownTimeout > 0 else { throw ValidationError("--shutdown-timeout must be positive") }
        guard KafkaConsumer.OffsetReset(rawValue: offsetReset) != nil else {
            throw ValidationError("--offset-reset must be earliest or latest, got '\(offsetReset)'")
        }
        do {
            _ = try LoggingSetup.parse(format: logFormat, level: logLevel)
        } catch {
            throw ValidationError(error.message)
        }
        for property in kafkaProperties where !property.contains("=") {
            throw ValidationError("--kafka-property must be key=value, got '\(property)'")
        }
    }

    func kafkaConfiguration() throws -> KafkaConsumer.Configuration {
        var properties: [String: String] = [:]
        for property in kafkaProperties {
            let parts = property.split(separator: "=", maxSplits: 1)
            properties[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return KafkaConsumer.Configuration(
            bootstrapServers: broker,
            groupID: group,
            sessionTimeout: .milliseconds(sessionTimeoutMs),
            autoOffsetReset: KafkaConsumer.OffsetReset(rawValue: offsetReset) ?? .earliest,
            statisticsInterval: .milliseconds(statsIntervalMs),
            properties: properties
        )
    }

    var storeConfiguration: SQLiteCountStore.Configuration {
        SQLiteCountStore.Configuration(
            databasePath: database, consumerDatabasePath: consumerDatabase.isEmpty ? nil : consumerDatabase,
            consumerGroup: group)
    }

    var producerConfiguration: KafkaProducer.Configuration {
        KafkaProducer.Configuration(bootstrapServers: broker, clientID: "foodcount-dead-letters")
    }

    var pipelineConfiguration: CountingPipeline.Configuration {
        CountingPipeline.Configuration(
            maxBatchEvents: batchSize, maxBatchDelay: .milliseconds(batchDelayMs),
            idleFlushDelay: batchIdleMs == 0 ? nil : .milliseconds(batchIdleMs),
            retryBudget: .milliseconds(retryBudgetMs))
    }
}
