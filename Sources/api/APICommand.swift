import ArgumentParser
import FoodCountCore
import FoodCountObservability
import FoodCountSettings
import Foundation
import Hummingbird
import Logging
import PostgresStore
import SQLiteStore

/// `api`: serves the counts over HTTP.
@main
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serves the food counts as JSON at GET /aggregated.",
        discussion: "Every option can also be set by the environment variable named in its help.",
        version: BuildInfo.description,
        subcommands: [APIProbe.self]
    )

    @Option(help: "Address to listen on (env HOST; default \(Self.defaultHost)).")
    var host: String?

    @Option(help: "Port to listen on (env PORT; default \(Self.defaultPort)).")
    var port: Int?

    @Option(
        help:
            "The SQLite database holding the counts, or a postgres://user@host:port/database URL (env DATABASE_URL or DATABASE_PATH; default \(Self.defaultDatabase))."
    )
    var database: String?

    @Option(
        name: .customLong("cors-origin"),
        help: ArgumentHelp(
            "A browser origin allowed to read the API from another site, such as https://dash.example.com, or * for any; repeatable (env CORS_ORIGINS, comma-separated; default none: no CORS).",
            valueName: "origin"))
    var corsOrigins: [String] = []

    @OptionGroup var logging: LoggingOptions

    static let defaultHost = "0.0.0.0"
    static let defaultPort = 8080
    static let defaultDatabase = SQLiteCountStore.Configuration().databasePath

    func run() async throws {
        let host: String
        let port: Int
        let database: DatabaseSetting
        let cors: CORSOrigins
        do {
            let settings = try Settings()
            let (format, level) = try logging.resolve(settings, defaultLevel: .info)
            LoggingSetup.bootstrap(format: format, level: level)
            host = settings.text(flag: self.host, "HOST", default: Self.defaultHost)
            port = try settings.int(flag: self.port, "--port", "PORT", in: 1...65_535, default: Self.defaultPort)
            database = try settings.database(flag: self.database, default: Self.defaultDatabase)
            cors = try CORSOrigins.resolve(flags: corsOrigins, settings: settings)
        } catch {
            FileHandle.standardError.write(Data("api: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        MemoryPolicy.returnLargeBuffersToTheSystem()
        let logger = Logger(label: "foodcount.api")
        let exporter = MetricsExporter.bootstrap(program: "api")
        let reader: any CountReader =
            switch database {
            case .sqlite(let path): SQLiteCountReader(databasePath: path)
            case .postgres(let location): PostgresCountReader(location: location, logger: logger)
            }
        let app = Application(
            router: APIRoutes.router(reader: reader, exporter: exporter, logger: logger, cors: cors),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "foodcount-api"),
            logger: logger
        )
        logger.info(
            "serving counts",
            metadata: [
                "address": "http://\(host):\(port)/aggregated", "database": "\(database)",
                "cors_origins": "\(cors.allowsAll ? "*" : cors.origins.joined(separator: ","))",
            ])
        try await app.runService()
    }
}
