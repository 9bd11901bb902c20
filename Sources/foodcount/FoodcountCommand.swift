import ArgumentParser
import FoodCountObservability

/// `foodcount`: the operator's commands for a FoodCount deployment's files and log.
@main
struct FoodcountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "foodcount",
        abstract: "See and move the consumer's offsets, audit the counts against the log, rebuild them from it.",
        discussion: """
            The consumer's offsets live in its own file (foodcount-consumer.db) and win over the offsets committed
            to Kafka, so Kafka's tools cannot move them: these commands do. Every option can also be set by the
            environment variable named in its help, as for the consumer. rebuild and offsets reset only show
            their plan unless given --execute. Results go to standard output (--json: one JSON object), progress,
            refusals and errors to standard error. See docs/operations.md.
            """,
        version: BuildInfo.description,
        subcommands: [OffsetsCommand.self, AuditCommand.self, RebuildCommand.self]
    )
}
