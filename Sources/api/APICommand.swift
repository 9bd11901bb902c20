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

    @Option(SettingCatalog.host) var host: String?
    @Option(SettingCatalog.port) var port: String?
    @Option(SettingCatalog.databasePath) var database: String?
    @Option(repeating: SettingCatalog.corsOrigins) var corsOrigins: [String]
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let host: String
        let port: Int
        let database: DatabaseSetting
        let cors: CORSOrigins
        do {
            let settings = try Settings()
            let (format, level) = try logging.resolve(settings, defaultLevel: .info)
            LoggingSetup.bootstrap(format: format, level: level)
            host = try settings.required(SettingCatalog.host, flag: self.host)
            port = try settings.required(SettingCatalog.port, flag: self.port)
            database = try settings.database(
                flag: self.database, default: SettingCatalog.databasePath.defaultValue ?? "")
            cors = try CORSOrigins.resolve(flags: corsOrigins, settings: settings)
        } catch {
            FileHandle.standardError.write(Data("api: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        MemoryPolicy.returnLargeBuffersToTheSystem()
        let logger = Logger(label: "foodcount.api")
        if let warning = DatabaseSetting.passwordWarning(flag: self.database) { logger.warning("\(warning)") }
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
