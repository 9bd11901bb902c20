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
            differ (a table lists them) or a partition's counted total is not the valid events its log holds before
            the stored offset (a line names the partition, the offset and the total), 3 when retention deleted the start of a partition and nothing that can
            still be checked differs (the audit cannot prove the counts then), 2 on errors.
            """)

    @OptionGroup var options: AdminOptions

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
            for (topic, offsets) in stored.sorted(by: { $0.key < $1.key }) {
                var ends: [Int32: KafkaLogReader.End] = [:]
                for partition in try reader.partitions(of: topic) { ends[partition] = .offset(offsets[partition] ?? 0) }
                let part = try LogRecount.recount(topic, until: ends, reader: reader)
                recount.counts.merge(part.counts, uniquingKeysWith: +)
                recount.invalid += part.invalid
                recount.valid.merge(part.valid, uniquingKeysWith: +)
                for (partition, outcome) in part.partitions { recount.partitions[partition] = outcome }
            }
            let audit = CountsAudit(
                live: snapshot.counts, recount: recount, stored: snapshot.offsets.filter { $0.group == resolved.group })
            report(audit, partitions: stored.values.reduce(0) { $0 + $1.count })
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
