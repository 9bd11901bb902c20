import ArgumentParser
import FoodCountCore
import FoodCountKafka
import FoodCountObservability
import FoodCountSettings
import Foundation
import KafkaClient
import Logging
import PostgresStore
import SQLiteStore

/// `consumer check-config`: reads every setting, resolves the database and the broker, and reports each
/// problem on its own line, without counting (compare `rpk connect lint` and Kafka Connect's validate
/// endpoint).
struct ConsumerCheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the settings, the database and the broker, without counting.",
        discussion: """
            Takes the consumer's flags and environment. Prints one line per check, `ok` or `problem`, and
            exits 0 when all pass, 2 when a setting is wrong (every wrong setting is listed, not only the
            first), 69 when the settings are right but the database or the broker cannot be reached.
            """)

    @OptionGroup var options: ConsumerOptions

    func run() throws {
        var report = CheckReport()
        defer { report.print() }
        let settings: Settings
        do {
            settings = try Settings()
        } catch {
            report.problem("settings", "\(error)", setting: true)
            throw ExitCode(report.status)
        }
        for problem in settings.problems(of: .consumer, flags: options.given) {
            report.problem("settings", "\(problem)", setting: true)
        }
        let resolved: ConsumerSettings
        do {
            resolved = try options.resolve(settings)
        } catch {
            if !report.lines.contains(where: { $0.hasSuffix("\(error)") }) {
                report.problem("settings", "\(error)", setting: true)
            }
            throw ExitCode(report.status)
        }
        guard report.status == 0 else { throw ExitCode(report.status) }
        report.ok("settings", "\(SettingCatalog.settings(of: .consumer).count) settings read")
        LoggingSetup.bootstrap(format: resolved.logFormat, level: .critical)
        checkDatabase(resolved, into: &report)
        checkBroker(resolved, into: &report)
        throw ExitCode(report.status)
    }

    private func checkDatabase(_ settings: ConsumerSettings, into report: inout CheckReport) {
        switch settings.database {
        case .sqlite(let path):
            let files = SQLiteCountFiles(configuration: settings.store)
            if FileManager.default.fileExists(atPath: path) {
                do {
                    let snapshot = try files.snapshot()
                    report.ok(
                        "database", "\(path): \(snapshot.counts.count) categories, \(snapshot.offsets.count) offsets")
                } catch {
                    report.problem("database", "\(path): \(error)", setting: false)
                }
            } else {
                let folder = (path as NSString).deletingLastPathComponent
                var isFolder: ObjCBool = false
                let exists = FileManager.default.fileExists(
                    atPath: folder.isEmpty ? "." : folder, isDirectory: &isFolder)
                if exists && !isFolder.boolValue {
                    report.problem("database", "\(folder) is not a folder", setting: true)
                } else if exists && !FileManager.default.isWritableFile(atPath: folder.isEmpty ? "." : folder) {
                    report.problem("database", "\(folder) is not writable", setting: true)
                } else {
                    report.ok("database", "\(path) does not exist yet; the consumer will create it")
                }
            }
        case .postgres(let location):
            let database = PostgresCountsDatabase(
                configuration: .init(location: location, consumerGroup: settings.consumer.groupID))
            defer { database.close() }
            do {
                let snapshot = try database.snapshot()
                report.ok("database", "\(location): \(snapshot.counts.count) categories")
            } catch {
                report.problem(
                    "database", "\(location): \(error)",
                    setting: ExitStatus.atStart(error, database: settings.database) == 2)
            }
        }
    }

    private func checkBroker(_ settings: ConsumerSettings, into report: inout CheckReport) {
        do {
            try Librdkafka.requireSupportedVersion()
            var configuration = settings.consumer
            configuration.groupID = "foodcount-check-config"
            let reader = try KafkaLogReader(configuration: configuration, logger: Logger(label: "foodcount.check"))
            defer { reader.close() }
            var topics = [settings.kafka.topic]
            if !settings.deadLetterTopic.isEmpty && settings.pipeline.errorTolerance == .deadLetter {
                topics.append(settings.deadLetterTopic)
            }
            for topic in topics {
                do {
                    let partitions = try reader.partitions(of: topic)
                    report.ok("broker", "\(settings.kafka.broker): topic '\(topic)' has \(partitions.count) partitions")
                } catch {
                    report.problem("broker", "\(settings.kafka.broker): \(error.message)", setting: false)
                    // A broker that does not answer answers no other question either.
                    if !error.message.hasSuffix("does not exist") { break }
                }
            }
        } catch {
            report.problem("broker", "\(settings.kafka.broker): \(error)", setting: error.code != .timeout)
        }
    }
}

/// The lines of `check-config`, and its exit status.
struct CheckReport {
    private(set) var lines: [String] = []
    private(set) var status: Int32 = 0

    mutating func ok(_ check: String, _ detail: String) {
        lines.append("ok       \(check): \(detail)")
    }

    /// A failed check: a wrong setting (exit 2) or something out of reach (exit 69, unless a setting is wrong).
    mutating func problem(_ check: String, _ detail: String, setting: Bool) {
        lines.append("problem  \(check): \(detail)")
        if setting { status = ExitStatus.configuration } else if status == 0 { status = ExitStatus.unavailable }
    }

    func print() {
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
