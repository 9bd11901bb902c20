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
            Without --execute, shows its plan and changes nothing: for each partition, the stored offset, the new
            one (the log's end) and how many events the recount reads. With --execute, recounts every event the
            topic still retains, then puts the recount in place of the counts and the stored offsets at once: with
            SQLite, a new pair of files built beside the old one, each put in place with one rename; with
            PostgreSQL, one transaction. The API serves the old counts until the new ones replace them. Also the
            way to move the counts from SQLite to PostgreSQL (docs/deployment.md). The consumer continues where
            the rebuild stopped. --execute is refused while a consumer of the group runs (exit 2). This is the way
            out when the consumer refuses to start because the counts and its offsets file disagree
            (docs/operations.md). With a retention limit, the rebuilt counts cover what the log still holds.
            Progress goes to standard error (--no-progress: none); results to standard output.
            """)

    @OptionGroup var options: AdminOptions

    @Flag(help: "Carry out the plan. Without it, the command shows its plan and changes nothing.")
    var execute = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        try runReportingErrors("rebuild") {
            let run = RecountRun(
                command: "rebuild", target: "latest", summary: "rebuild the counts from the log up to its end",
                resolved: try options.resolve(), output: output, execute: execute)
            return try run.run { partitions, _, _ in
                Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaLogReader.End.logEnd) })
            }
        }
    }
}
