import ArgumentParser
import FoodCountCore
import FoodCountKafka
import FoodCountOperations
import FoodCountSettings
import KafkaClient

/// `foodcount rebuild`: recounts the counts from the log.
struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recount the counts from the topic's retained log into new files and swap them in.",
        discussion: """
            Recounts every event the topic still retains, then puts the recount in place of the counts and the
            stored offsets at once: with SQLite, a new pair of files built beside the old one, each put in place
            with one rename; with PostgreSQL, one transaction. The API serves the old counts until the new ones
            replace them. Also the way to move the counts from SQLite to PostgreSQL (docs/deployment.md). The consumer continues where the rebuild stopped.
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
            let database = resolved.database()
            let lock = try ConsumersGuard.ensureNoneRunning(database: database, group: resolved.group, reader: reader)
            defer { lock.release() }
            var ends: [Int32: KafkaLogReader.End] = [:]
            for partition in try reader.partitions(of: topic) { ends[partition] = .logEnd }
            let outcome = try CountsRebuild.run(
                database, topic: topic, until: ends, reader: reader, logger: resolved.logger)
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
