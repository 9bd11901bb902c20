import ArgumentParser
import FoodCountCore
import FoodCountKafka
import FoodCountOperations
import FoodCountSettings
import KafkaClient

/// `foodcount audit`: proves the counts against the log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Recount the topic from its beginning up to the stored offsets and compare with the counts.",
        discussion: """
            Reads the counts and the stored offsets in one short read (the consumer and the API wait at most that
            long), then recounts the log in memory, outside the consumer's group: a running consumer is not
            disturbed. Exit status: 0 when the counts are exactly what the log holds, 1 when some categories
            differ (a table lists them) or a partition's counted total is not the valid events its log holds
            before the stored offset (a line names the partition, the offset and the total), 3 when retention
            deleted the start of a partition and nothing that can still be checked differs (the audit cannot
            prove the counts then), 2 on errors. Progress goes to standard error (--no-progress: none); the
            verdict to standard output.
            """)

    @OptionGroup var options: AdminOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        try runReportingErrors("audit") {
            let resolved = try options.resolve()
            let snapshot = try resolved.database().snapshot()
            let reader = try resolved.reader()
            defer { reader.close() }
            var stored: [String: [Int32: Int64]] = [:]
            for row in snapshot.offsets where row.group == resolved.group {
                stored[row.partition.topic, default: [:]][row.partition.partition] = row.next
            }
            var recount = LogRecount()
            var plans: [(topic: String, ends: [Int32: KafkaLogReader.End], total: Int64)] = []
            for (topic, offsets) in stored.sorted(by: { $0.key < $1.key }) {
                var ends: [Int32: KafkaLogReader.End] = [:]
                let partitions = try reader.partitions(of: topic)
                for partition in partitions { ends[partition] = .offset(offsets[partition] ?? 0) }
                // The progress's total needs each log's start: one fetch, only when the progress is shown.
                var total: Int64 = 0
                if !output.noProgress {
                    let marks = try reader.watermarks(topic, partitions: partitions)
                    total =
                        RecountPlan(
                            ends: ends, stored: offsets, logStarts: marks.mapValues(\.start),
                            logEnds: marks.mapValues(\.end)
                        ).total
                }
                plans.append((topic, ends, total))
            }
            let progress = ProgressPrinter(total: plans.reduce(0) { $0 + $1.total }, enabled: !output.noProgress)
            var done: Int64 = 0
            var checks: [CountsAudit.PartitionCheck] = []
            let rows = snapshot.offsets.filter { $0.group == resolved.group }
            for plan in plans {
                let part = try LogRecount.recount(plan.topic, until: plan.ends, reader: reader) { records in
                    progress.update(done + Int64(records))
                }
                done += Int64(part.partitions.values.reduce(0) { $0 + $1.records })
                recount.counts.merge(part.counts, uniquingKeysWith: +)
                recount.invalid += part.invalid
                checks += CountsAudit.checks(of: part, stored: rows.filter { $0.partition.topic == plan.topic })
                for (partition, outcome) in part.partitions { recount.partitions[partition] = outcome }
            }
            progress.finish(done)
            let audit = CountsAudit(live: snapshot.counts, recount: recount, partitions: checks)
            let partitions = stored.values.reduce(0) { $0 + $1.count }
            if output.json {
                say(jsonText(AuditReport(audit, partitions: partitions)))
            } else {
                report(audit, partitions: partitions)
            }
            switch audit.verdict {
            case .equal: return 0
            case .different: return 1
            case .incomplete: return 3
            }
        }
    }

    private func report(_ audit: CountsAudit, partitions: Int) {
        for (partition, start) in audit.truncated.sorted(by: { $0.key < $1.key }) {
            say(
                "partition \(partition): the log starts at offset \(start); retention deleted the records before it, so the counts they hold cannot be checked"
            )
        }
        for check in audit.partitions where check.outcome != .equal { say(check.summary) }
        switch audit.verdict {
        case .equal:
            say(
                "audit: equal: the counts hold \(audit.liveTotal) events, exactly what the log holds up to the stored offsets (\(partitions) partitions)"
            )
        case .incomplete:
            say(
                "audit: incomplete: \(audit.recountedTotal) events still in the log agree with the counts (\(audit.liveTotal) events); the deleted ones cannot be checked"
            )
        case .different:
            say(
                "audit: different: \(audit.differences.count) categories differ from the log; \(audit.partitionDifferences.count) partitions' counted totals differ"
            )
            guard !audit.differences.isEmpty else { return }
            say(
                layoutTable(
                    ["CATEGORY", "COUNTED", "IN THE LOG", "DIFFERENCE"],
                    audit.differences.map { difference in
                        [
                            difference.category, "\(difference.live)", "\(difference.recounted)",
                            "\(difference.live - difference.recounted)",
                        ]
                    }))
        }
    }
}

/// `foodcount audit --json`. Its keys are documented in docs/operations.md; a per-partition `partitions` array
/// may join them later.
struct AuditReport: Encodable {
    /// One category that differs.
    struct Difference: Encodable {
        var category: String
        var counted: Int64
        var inLog: Int64
        var difference: Int64
    }

    /// `equal`, `different` or `incomplete`.
    var verdict: String
    /// The exit status that goes with the verdict.
    var exitStatus: Int32
    /// How many events the counts hold.
    var counted: Int64
    /// How many events the log holds up to the stored offsets (what can still be read of them).
    var inLog: Int64
    /// How many partitions were checked.
    var partitionsChecked: Int
    var differences: [Difference]
    var truncated: [TruncatedPartition]
    /// Each partition's counted total against the log.
    var partitions: [Partition]

    /// One partition's counted total (`null`: unknown, counted before totals were kept) against the valid
    /// events its log holds before the stored offset; `outcome` is `equal`, `different`, `unknown` or
    /// `truncated`.
    struct Partition: Encodable {
        var topic: String
        var partition: Int32
        var offset: Int64
        var counted: Int64?
        var inLog: Int64
        var outcome: String

        enum CodingKeys: String, CodingKey { case topic, partition, offset, counted, inLog, outcome }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(topic, forKey: .topic)
            try container.encode(partition, forKey: .partition)
            try container.encode(offset, forKey: .offset)
            try container.encode(counted, forKey: .counted)
            try container.encode(inLog, forKey: .inLog)
            try container.encode(outcome, forKey: .outcome)
        }
    }

    init(_ audit: CountsAudit, partitions: Int) {
        switch audit.verdict {
        case .equal: (verdict, exitStatus) = ("equal", 0)
        case .different: (verdict, exitStatus) = ("different", 1)
        case .incomplete: (verdict, exitStatus) = ("incomplete", 3)
        }
        counted = audit.liveTotal
        inLog = audit.recountedTotal
        partitionsChecked = partitions
        differences = audit.differences.map {
            Difference(category: $0.category, counted: $0.live, inLog: $0.recounted, difference: $0.live - $0.recounted)
        }
        truncated = TruncatedPartition.list(audit.truncated)
        self.partitions = audit.partitions.map { check in
            let outcome =
                switch check.outcome {
                case .equal: "equal"
                case .different: "different"
                case .unknown: "unknown"
                case .truncated: "truncated"
                }
            return Partition(
                topic: check.topic, partition: check.partition, offset: check.offset, counted: check.counted,
                inLog: check.inLog,
                outcome: outcome)
        }
    }
}
