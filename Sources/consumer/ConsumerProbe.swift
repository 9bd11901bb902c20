import ArgumentParser
import FoodCountObservability
import FoodCountSettings
import Foundation

/// `consumer probe`: one HTTP GET to the running consumer's own `/readyz`, for a container's `HEALTHCHECK` (the image
/// has no curl). Exits 0 on a 2xx answer, 1 otherwise, with one line on standard error either way.
struct ConsumerProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Asks the consumer running here for its readiness: exit 0 on a 2xx answer, 1 otherwise.",
        discussion: "For a container's health check: GET http://127.0.0.1:<port><path>, one line on stderr.")

    @Option(
        help:
            "Port to ask (default: env METRICS_PORT, else PORT, else \(SettingCatalog.metricsPort.defaultValue ?? 0)).")
    var port: Int?

    @Option(help: "Path to request.")
    var path = "/readyz"

    @Option(name: .customLong("timeout-ms"), help: "Deadline of the whole request, in milliseconds.")
    var timeoutMilliseconds = 2_000

    func run() throws {
        let probe: HealthProbe
        do {
            let settings = try Settings()
            // As the consumer reads it: METRICS_PORT, else the deprecated PORT, else the default.
            let port: Int
            if let flag = self.port {
                port = try SettingCatalog.metricsPort.parse(String(flag), named: "--port")
            } else if settings.string(SettingCatalog.metricsPort.variable) == nil,
                settings.string(SettingCatalog.port.variable) != nil
            {
                port = try settings.required(SettingCatalog.port)
            } else {
                port = try settings.required(SettingCatalog.metricsPort)
            }
            probe = try HealthProbe.resolved(port: port, path: path, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            FileHandle.standardError.write(Data("consumer probe: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let (healthy, line) = probe.check(program: "consumer probe")
        FileHandle.standardError.write(Data((line + "\n").utf8))
        guard healthy else { throw ExitCode(1) }
    }
}
