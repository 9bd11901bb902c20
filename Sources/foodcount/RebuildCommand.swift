import ArgumentParser
import FoodCountCore
import FoodCountKafka
import FoodCountOperations
import FoodCountSettings
import KafkaClient
import SQLiteStore

/// `foodcount rebuild`: recounts the counts from the log.
struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recount the counts from the topic's retained log into new files and swap them in.",
        discussion: """
            Builds a new counts database and offsets file beside the old ones from every event the topic still
            retains, then puts each in place with one rename: the API serves the old counts until the new ones
            replace them, and notices the new file at once. The consumer continues where the rebuild stopped.
            Refused while a consumer of the group runs. This is the way out when the consumer refuses to start
            because the counts and its offsets file disagree (docs/operations.md). With a retention limit, the
            rebuilt counts cover what the log still holds.
            """)

    @OptionGroup var options: AdminOptions

    func run() throws {
        try runReportingErrors("rebuild") {
            let resolved = try options.resolve()
            let reader = try resolved.reader()
            defer { reader.close() }
            let topic = resolved.kafka.topic
            let lock = try ConsumersGuard.ensureNoneRunning(
                files: resolved.files, group: resolved.group, reader: reader)
            defer { lock.release() }
            var ends: [Int32: KafkaLogReader.End] = [:]
            for partition in try reader.partitions(of: topic) { ends[partition] = .logEnd }
            let outcome = try CountsRebuild.run(
                resolved.files, topic: topic, until: ends, reader: reader, logger: resolved.logger)
            for (partition, start) in outcome.recount.truncatedPartitions.sorted(by: { $0.key < $1.key }) {
                say("partition \(partition): the log starts at offset \(start); the records before it are gone")
            }
            say(
                "rebuild: the counts now hold \(outcome.recount.counts.values.reduce(0, +)) events from the log (\(outcome.recount.invalid) invalid ones not counted)"
            )
            say(
                outcome.offsets.sorted { $0.key < $1.key }.map { "\(topic)[\($0.key)]=\($0.value)" }.joined(
                    separator: " "))
            return 0
        }
    }
}
