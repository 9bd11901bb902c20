import ArgumentParser
import FoodCountCore
import FoodCountObservability
import Foundation
import Hummingbird
import Logging
import SQLiteStore

/// `api`: serves the counts over HTTP.
@main
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serves the food counts as JSON at GET /aggregated.",
        discussion: "Every option can also be set by the environment variable named in its help."
    )

    @Option(help: "Address to listen on (env HOST).")
    var host: String = ProcessInfo.processInfo.environment["HOST"] ?? "0.0.0.0"

    @Option(help: "Port to listen on (env PORT).")
    var port: Int = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 8080

    @Option(help: "The SQLite database holding the counts (env DATABASE_PATH).")
    var database: String = ProcessInfo.processInfo.environment["DATABASE_PATH"] ?? "data/foodcount.db"

    @Option(help: "Log format: text or json, one object per line (env LOG_FORMAT).")
    var logFormat: String = ProcessInfo.processInfo.environment["LOG_FORMAT"] ?? "text"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1...65535, got \(port)") }
        do {
            _ = try LoggingSetup.parse(format: logFormat, level: logLevel)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let (format, level) = try LoggingSetup.parse(format: logFormat, level: logLevel)
        LoggingSetup.bootstrap(format: format, level: level)
        let logger = Logger(label: "foodcount.api")
        let exporter = MetricsExporter.bootstrap(program: "api")
        let reader = SQLiteCountReader(databasePath: database)
        let app = Application(
            router: APIRoutes.router(reader: reader, exporter: exporter, logger: logger),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "foodcount-api"),
            logger: logger
        )
        logger.info(
            "serving counts", metadata: ["address": "http://\(host):\(port)/aggregated", "database": "\(database)"])
        try await app.runService()
    }
}
