import FoodCountCore
import FoodCountKafka
import FoodCountOperations
import FoodCountSettings
import Foundation
import KafkaClient

/// What `rebuild` and `offsets reset` share: work out the plan (stored offset, new offset and events to recount
/// per partition), then show it and change nothing, or, with `--execute`, carry it out under
/// ``ConsumersGuard`` and report what was done.
struct RecountRun {
    /// The command's name, as in `foodcount COMMAND`.
    var command: String
    /// Where the offsets move: the `--to` text, or `latest` for a rebuild.
    var target: String
    /// One line saying what the command does, for the plan's first line.
    var summary: String
    var resolved: AdminOptions.Resolved
    var output: OutputOptions
    var execute: Bool

    /// Where each partition's recount stops, from the partitions, their log starts and the stored offsets (which
    /// throws when they cannot be read).
    typealias Ends = (
        _ partitions: [Int32], _ logStarts: [Int32: Int64], _ stored: () throws(StoreError) -> [Int32: Int64]
    ) throws -> [Int32: KafkaLogReader.End]

    func run(ends: Ends) throws -> Int32 {
        let reader = try resolved.reader()
        defer { reader.close() }
        let topic = resolved.kafka.topic
        let database = resolved.database()
        let partitions = try reader.partitions(of: topic)
        let marks = try reader.watermarks(topic, partitions: partitions)
        // A rebuild must run when the stored offsets cannot be read (no files yet, a lost offsets file, an empty
        // PostgreSQL database): the plan then shows none, and says why.
        let storedResult = Result { () throws(StoreError) in
            try database.storedOffsets(group: resolved.group, topic: topic)
        }
        let ends = try ends(partitions, marks.mapValues(\.start)) { () throws(StoreError) in try storedResult.get() }
        var notes: [String] = []
        if case .failure(let error) = storedResult {
            notes.append("the stored offsets cannot be read (\(error.message)); --execute replaces them")
        }
        let plan = RecountPlan(
            ends: ends, stored: (try? storedResult.get()) ?? [:], logStarts: marks.mapValues(\.start),
            logEnds: marks.mapValues(\.end))
        guard execute else {
            // Cheap and read-only: the coordinator's view of the group. The lock is not tried here (a consumer
            // starting meanwhile would find it taken).
            var refusal: String?
            if let state = try? reader.groupState(resolved.group), state.hasMembers {
                refusal =
                    "consumer group '\(resolved.group)' has members (state \(state.rawValue)): --execute would be refused; stop every consumer of the group first"
            }
            show(plan, topic: topic, notes: notes, refusal: refusal)
            return 0
        }
        let lock = try ConsumersGuard.ensureNoneRunning(database: database, group: resolved.group, reader: reader)
        defer { lock.release() }
        let progress = ProgressPrinter(total: plan.total, enabled: !output.noProgress)
        let outcome = try CountsRebuild.run(
            database, topic: topic, until: ends, reader: reader, logger: resolved.logger,
            progress: { progress.update(Int64($0)) })
        progress.finish(Int64(outcome.recount.partitions.values.reduce(0) { $0 + $1.records }))
        report(outcome, plan: plan, topic: topic)
        return 0
    }

    private func show(_ plan: RecountPlan, topic: String, notes: [String], refusal: String?) {
        if output.json {
            say(jsonText(RecountReport(plan: plan, of: self, topic: topic, refusal: refusal)))
            return
        }
        say("plan: \(summary), topic \(topic), group \(resolved.group)")
        for note in notes { say("note: \(note)") }
        if plan.hasUnresolvedOffsets {
            say(
                "note: NEW OFFSET ? is the first event at or after \(target), found only by the recount; RECOUNT is then at most the events up to the log's end"
            )
        }
        for row in plan.rows where row.beyondLogEnd {
            say(
                "note: partition \(row.partition)'s new offset \(row.newOffset ?? 0) is past the log's end (\(row.logEnd)): --execute would fail"
            )
        }
        if let refusal { say("note: \(refusal)") }
        say(
            layoutTable(
                ["PARTITION", "STORED", "NEW OFFSET", "RECOUNT"],
                plan.rows.map { row in
                    [
                        "\(row.partition)", row.stored.map(String.init) ?? "-", row.newOffset.map(String.init) ?? "?",
                        row.newOffset == nil ? "<= \(row.recount)" : "\(row.recount)",
                    ]
                }))
        say("nothing was changed: this is the plan; add --execute to carry it out")
    }

    private func report(_ outcome: CountsRebuild.Outcome, plan: RecountPlan, topic: String) {
        if output.json {
            say(jsonText(RecountReport(outcome: outcome, plan: plan, of: self, topic: topic)))
            return
        }
        for (partition, start) in outcome.recount.truncatedPartitions.sorted(by: { $0.key < $1.key }) {
            say("partition \(partition): the log starts at offset \(start); the records before it are gone")
        }
        let events = outcome.recount.counts.values.reduce(0, +)
        say(
            command == "rebuild"
                ? "rebuild: the counts now hold \(events) events from the log (\(outcome.recount.invalid) invalid ones not counted)"
                : "reset: the counts now hold the \(events) valid events before the new offsets"
        )
        say(outcome.offsets.sorted { $0.key < $1.key }.map { "\(topic)[\($0.key)]=\($0.value)" }.joined(separator: " "))
    }
}

/// `--json` of `rebuild` and `offsets reset`, the plan and the result alike (`executed` tells them apart). Its
/// keys are documented in docs/operations.md; absent values are `null`, never left out.
struct RecountReport: Encodable {
    /// One partition.
    struct Partition: Encodable {
        var partition: Int32
        var stored: Int64?
        var logStart: Int64
        var logEnd: Int64
        var newOffset: Int64?
        var recount: Int64

        enum CodingKeys: String, CodingKey { case partition, stored, logStart, logEnd, newOffset, recount }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(partition, forKey: .partition)
            try container.encode(stored, forKey: .stored)
            try container.encode(logStart, forKey: .logStart)
            try container.encode(logEnd, forKey: .logEnd)
            try container.encode(newOffset, forKey: .newOffset)
            try container.encode(recount, forKey: .recount)
        }
    }

    var command: String
    var executed: Bool
    var topic: String
    var group: String
    var target: String
    var refusal: String?
    var partitions: [Partition]
    var events: Int64?
    var invalid: Int?
    var truncated: [TruncatedPartition]

    enum CodingKeys: String, CodingKey {
        case command, executed, topic, group, target, refusal, partitions, events, invalid, truncated
    }

    init(plan: RecountPlan, of run: RecountRun, topic: String, refusal: String?) {
        command = run.command
        executed = false
        self.topic = topic
        group = run.resolved.group
        target = run.target
        self.refusal = refusal
        partitions = plan.rows.map { row in
            Partition(
                partition: row.partition, stored: row.stored, logStart: row.logStart, logEnd: row.logEnd,
                newOffset: row.newOffset, recount: row.recount)
        }
        truncated = []
    }

    init(outcome: CountsRebuild.Outcome, plan: RecountPlan, of run: RecountRun, topic: String) {
        self.init(plan: plan, of: run, topic: topic, refusal: nil)
        executed = true
        partitions = plan.rows.map { row in
            let read = outcome.recount.partitions[row.partition]
            return Partition(
                partition: row.partition, stored: row.stored, logStart: read?.logStart ?? row.logStart,
                logEnd: row.logEnd, newOffset: read?.next ?? row.newOffset, recount: Int64(read?.records ?? 0))
        }
        events = outcome.recount.counts.values.reduce(0, +)
        invalid = outcome.recount.invalid
        truncated = TruncatedPartition.list(outcome.recount.truncatedPartitions)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(executed, forKey: .executed)
        try container.encode(topic, forKey: .topic)
        try container.encode(group, forKey: .group)
        try container.encode(target, forKey: .target)
        try container.encode(refusal, forKey: .refusal)
        try container.encode(partitions, forKey: .partitions)
        try container.encode(events, forKey: .events)
        try container.encode(invalid, forKey: .invalid)
        try container.encode(truncated, forKey: .truncated)
    }
}

/// A partition whose log no longer starts at offset 0 (`truncated` in the JSON of `rebuild`, `reset` and `audit`).
struct TruncatedPartition: Encodable {
    var partition: Int32
    var logStart: Int64

    static func list(_ truncated: [Int32: Int64]) -> [TruncatedPartition] {
        truncated.sorted { $0.key < $1.key }.map { TruncatedPartition(partition: $0.key, logStart: $0.value) }
    }
}
