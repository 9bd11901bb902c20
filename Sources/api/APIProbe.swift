import ArgumentParser
import FoodCountObservability
import FoodCountSettings
import Foundation

/// `api probe`: one HTTP GET to the running api's own `/readyz`, for a container's `HEALTHCHECK` (the image has no
/// curl). Exits 0 on a 2xx answer, 1 otherwise, with one line on standard error either way.
struct APIProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Asks the api running here for its readiness: exit 0 on a 2xx answer, 1 otherwise.",
        discussion: """
            For a container's health check: GET http://127.0.0.1:<port><path>, one line on stderr. The port is the \
            api's: --port (api probe --port 8080), else env PORT, else \(SettingCatalog.port.defaultValue ?? 0).
            """)

    /// The api's own options: `--port` (`api probe --port 8080`) is the api's, so that probe and server read the
    /// port the same way.
    @ParentCommand var api: APICommand

    @Option(help: "Path to request.")
    var path = "/readyz"

    @Option(name: .customLong("timeout-ms"), help: "Deadline of the whole request, in milliseconds.")
    var timeoutMilliseconds = 2_000

    func run() throws {
        let probe: HealthProbe
        do {
            let settings = try Settings()
            let port = try settings.required(SettingCatalog.port, flag: api.port)
            probe = try HealthProbe.resolved(port: port, path: path, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            FileHandle.standardError.write(Data("api probe: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let (healthy, line) = probe.check(program: "api probe")
        FileHandle.standardError.write(Data((line + "\n").utf8))
        guard healthy else { throw ExitCode(1) }
    }
}
