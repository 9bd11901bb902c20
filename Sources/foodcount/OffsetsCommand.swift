import ArgumentParser
import FoodCountCore
import FoodCountKafka
import FoodCountOperations
import FoodCountSettings
import Foundation
import KafkaClient

/// `foodcount offsets`: see and move the consumer's stored offsets.
struct OffsetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offsets", abstract: "See and move the consumer's stored offsets.",
        subcommands: [Show.self, Reset.self])

    /// `foodcount offsets show`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "For each partition: the stored offset, the log's start and end, and the lag.")

        @OptionGroup var options: AdminOptions

        @Flag(help: "One JSON object per partition, in an array, instead of a table.")
        var json = false

        func run() throws {
            try runReportingErrors("offsets show") {
                let resolved = try options.resolve()
                let topic = resolved.kafka.topic
                let stored = try resolved.database().storedOffsets(group: resolved.group, topic: topic)
                let reader = try resolved.reader()
                defer { reader.close() }
                let partitions = try reader.partitions(of: topic)
                let marks = try reader.watermarks(topic, partitions: partitions)
                let rows = partitions.map { partition in
                    OffsetRow(
                        topic: topic, partition: partition, stored: stored[partition],
                        logStart: marks[partition]?.start,
                        logEnd: marks[partition]?.end)
                }
                say(json ? OffsetRow.json(rows) : OffsetRow.table(rows))
                return 0
            }
        }
    }

    /// `foodcount offsets reset`.
    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the plan to move the stored offsets, and with --execute move them, recounting the counts.",
            discussion: """
                The counts hold exactly the events before the stored offsets. Moving the offsets alone would break
                that: moving them back counts events twice, moving them forward never counts the events skipped.
                So a reset rebuilds the counts with the offsets: it recounts the topic's log from its beginning up
                to the new offsets into new files, and swaps them in. The counts then hold the events before the
                new offsets, and the consumer continues at them.

                Without --execute (or with --dry-run) it shows its plan and changes nothing: for each partition,
                the stored offset, the new one and how many events the recount reads. With --execute it carries the
                plan out; that is refused while a consumer of the group runs (exit 2). --rebuild is accepted and
                does nothing (a reset always recounts).
                """)

        @OptionGroup var options: AdminOptions

        @Option(
            help:
                "earliest, latest, a time (ISO 8601: the first event at or after it), or explicit offsets P=O[,P=O...]."
        )
        var to: String

        @Flag(help: "Carry out the plan. Without it, the command shows its plan and changes nothing.")
        var execute = false

        @Flag(help: "Accepted for compatibility; does nothing (a reset always recounts the counts).")
        var rebuild = false

        @Flag(help: "Show the plan and change nothing (the default; not with --execute).")
        var dryRun = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingErrors("offsets reset") {
                guard !(dryRun && execute) else {
                    throw ValidationError(
                        "--dry-run and --execute contradict each other: --dry-run shows the plan, --execute carries it out; give one"
                    )
                }
                let target = try ResetTarget(to)
                let resolved = try options.resolve()
                let run = RecountRun(
                    command: "offsets reset", target: to,
                    summary: "offsets reset --to \(to): recount the counts up to the new offsets", resolved: resolved,
                    output: output, execute: execute)
                return try run.run { partitions, logStarts, stored in
                    try target.ends(
                        partitions: partitions, logStarts: logStarts, stored: stored, topic: resolved.kafka.topic)
                }
            }
        }
    }
}

/// Where `offsets reset --to` moves the partitions.
enum ResetTarget {
    case earliest
    case latest
    case time(milliseconds: Int64)
    case offsets([Int32: Int64])

    init(_ text: String) throws {
        switch text {
        case "earliest": self = .earliest
        case "latest": self = .latest
        default:
            if let date = try? Date(text, strategy: .iso8601) {
                self = .time(milliseconds: Int64(date.timeIntervalSince1970 * 1_000))
                return
            }
            var offsets: [Int32: Int64] = [:]
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=")
                guard parts.count == 2, let partition = Int32(parts[0]), let offset = Int64(parts[1]), offset >= 0
                else {
                    throw ValidationError(
                        "--to \(text) is not valid: expected earliest, latest, an ISO 8601 time, or P=O[,P=O...]")
                }
                offsets[partition] = offset
            }
            self = .offsets(offsets)
        }
    }

    /// Where each partition's recount stops; partitions an explicit list leaves out keep their stored offset.
    func ends(
        partitions: [Int32], logStarts: [Int32: Int64], stored: () throws(StoreError) -> [Int32: Int64], topic: String
    ) throws -> [Int32: KafkaLogReader.End] {
        var ends: [Int32: KafkaLogReader.End] = [:]
        for partition in partitions {
            switch self {
            case .earliest: ends[partition] = .offset(logStarts[partition] ?? 0)
            case .latest: ends[partition] = .logEnd
            case .time(let milliseconds): ends[partition] = .firstAt(timestampMilliseconds: milliseconds)
            case .offsets: break
            }
        }
        if case .offsets(let offsets) = self {
            let stored = try stored()
            for partition in partitions {
                ends[partition] = .offset(offsets[partition] ?? stored[partition] ?? 0)
            }
            if let unknown = offsets.keys.first(where: { !partitions.contains($0) }) {
                throw ValidationError("partition \(unknown) is not a partition of \(topic)")
            }
        }
        return ends
    }
}

/// One line of `offsets show`.
struct OffsetRow: Encodable {
    var topic: String
    var partition: Int32
    var stored: Int64?
    var logStart: Int64?
    var logEnd: Int64?
    var lag: Int64? { stored.flatMap { stored in logEnd.map { max(0, $0 - stored) } } }

    enum CodingKeys: String, CodingKey { case topic, partition, stored, logStart, logEnd, lag }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(topic, forKey: .topic)
        try container.encode(partition, forKey: .partition)
        try container.encode(stored, forKey: .stored)
        try container.encode(logStart, forKey: .logStart)
        try container.encode(logEnd, forKey: .logEnd)
        try container.encode(lag, forKey: .lag)
    }

    static func table(_ rows: [OffsetRow]) -> String {
        layoutTable(
            ["TOPIC", "PARTITION", "STORED", "LOG START", "LOG END", "LAG"],
            rows.map { row in
                [row.topic, "\(row.partition)", text(row.stored), text(row.logStart), text(row.logEnd), text(row.lag)]
            })
    }

    static func json(_ rows: [OffsetRow]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? String(decoding: encoder.encode(rows), as: UTF8.self)) ?? "[]"
    }

    private static func text(_ value: Int64?) -> String { value.map(String.init) ?? "-" }
}
