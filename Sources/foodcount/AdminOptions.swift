import ArgumentParser
import FoodCountCore
import FoodCountKafka
import FoodCountObservability
import FoodCountOperations
import FoodCountSettings
import Foundation
import KafkaClient
import Logging
import PostgresStore
import SQLiteStore
import Synchronization

/// What every command needs: the Kafka cluster and topic, the consumer group, and the counts (SQLite or PostgreSQL).
struct AdminOptions: ParsableArguments {
    @OptionGroup var kafka: KafkaOptions

    @Option(SettingCatalog.group) var group: String?
    @Option(SettingCatalog.databasePath) var database: String?
    @Option(SettingCatalog.consumerDatabase) var consumerDatabase: String?
    @OptionGroup var logging: LoggingOptions

    /// What the options resolve to.
    struct Resolved {
        var kafka: KafkaOptions.Resolved
        var group: String
        /// The counts: a SQLite pair of files, or a PostgreSQL database.
        var store: Store
        var logger: Logger

        enum Store {
            case sqlite(SQLiteCountStore.Configuration)
            case postgres(PostgresCountStore.Configuration)
        }

        /// Opens the counts (PostgreSQL connects here).
        func database() -> any CountsDatabase {
            switch store {
            case .sqlite(let configuration): SQLiteCountFiles(configuration: configuration)
            case .postgres(let configuration): PostgresCountsDatabase(configuration: configuration, logger: logger)
            }
        }

        /// A log reader on the cluster.
        func reader() throws(KafkaError) -> KafkaLogReader {
            try Librdkafka.requireSupportedVersion()
            let configuration = KafkaConsumer.Configuration(
                bootstrapServers: kafka.broker, security: kafka.security, properties: kafka.properties)
            return try KafkaLogReader(configuration: configuration, logger: logger)
        }
    }

    /// Resolves flags, environment and defaults, and sets up logging (warnings and errors by default).
    func resolve() throws(SettingError) -> Resolved {
        let settings = try Settings()
        let (format, level) = try logging.resolve(settings, defaultLevel: .warning)
        LoggingSetup.bootstrap(format: format, level: level)
        let kafka = try kafka.resolve(settings)
        let group = try settings.required(SettingCatalog.group, flag: self.group)
        let consumerDatabase = try settings.value(SettingCatalog.consumerDatabase, flag: self.consumerDatabase) ?? ""
        let store: Resolved.Store
        let database = try settings.database(
            flag: self.database, default: SQLiteCountStore.Configuration().databasePath)
        openedDatabase.withLock { $0 = database }
        switch database {
        case .sqlite(let path):
            var configuration = SQLiteCountStore.Configuration(consumerGroup: group)
            configuration.databasePath = path
            configuration.consumerDatabasePath = consumerDatabase.isEmpty ? nil : consumerDatabase
            store = .sqlite(configuration)
        case .postgres(let location):
            guard consumerDatabase.isEmpty else {
                throw SettingError(
                    variable: self.consumerDatabase != nil ? "--consumer-database" : "CONSUMER_DATABASE_PATH",
                    value: consumerDatabase,
                    expected: "nothing with a PostgreSQL database, which keeps the offsets itself")
            }
            store = .postgres(.init(location: location, consumerGroup: group))
        }
        let logger = Logger(label: "foodcount.admin")
        if let warning = DatabaseSetting.passwordWarning(flag: self.database) { logger.warning("\(warning)") }
        return Resolved(kafka: kafka, group: group, store: store, logger: logger)
    }
}

/// The output flags every command takes.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON object (its keys are documented in docs/operations.md) instead of text.")
    var json = false

    @Flag(help: "Show no progress on standard error while the log is recounted.")
    var noProgress = false
}

/// Runs a command's body, turning any error into one line on standard error and exit status 2 (a refusal reads
/// `foodcount COMMAND: refusing: ...`, any other error `foodcount COMMAND: error: ...`).
func runReportingErrors(_ command: String, _ body: () throws -> Int32) throws {
    let status: Int32
    do {
        status = try body()
    } catch let refusal as ConsumersGuard.Refusal {
        sayError("foodcount \(command): \(refusal)")
        throw ExitCode(2)
    } catch {
        sayError("foodcount \(command): error: \(error)")
        // PostgreSQL out of reach, or the files busy with another command: an outage, not a setting (69).
        throw ExitCode(ExitStatus.atStart(error, database: openedDatabase.withLock { $0 }))
    }
    if status != 0 { throw ExitCode(status) }
}

/// The database the command resolved, for its exit status.
let openedDatabase = Mutex<DatabaseSetting?>(nil)

/// Writes a line to standard output: results.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes a line to standard error: refusals and errors.
func sayError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A value as JSON: keys sorted, indented.
func jsonText(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
}

/// Lays out rows as a table with a header, columns padded to their widest cell.
func layoutTable(_ header: [String], _ rows: [[String]]) -> String {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    return ([header] + rows).map { row in
        zip(row, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n")
}
