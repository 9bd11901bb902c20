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

    @Option(help: "Port to ask (default: env METRICS_PORT, else PORT, else \(ConsumerSettings.Defaults.metricsPort)).")
    var port: Int?

    @Option(help: "Path to request.")
    var path = "/readyz"

    @Option(name: .customLong("timeout-ms"), help: "Deadline of the whole request, in milliseconds.")
    var timeoutMilliseconds = 2_000

    func run() throws {
        let probe: HealthProbe
        do {
            let settings = try Settings()
            var port = try settings.int(flag: self.port, "--port", "METRICS_PORT", in: 1...65_535, default: 0)
            if port == 0 { port = try settings.int("PORT", in: 1...65_535) ?? ConsumerSettings.Defaults.metricsPort }
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
