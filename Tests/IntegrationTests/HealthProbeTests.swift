import Foundation
import TestSupport
import XCTest

/// `api probe` and `consumer probe`, the health checks of the image (`docs/deployment.md`, "Health checks"): exit 0
/// on a 2xx answer, 1 otherwise, one line on standard error either way.
final class HealthProbeTests: XCTestCase {
    private func probe(
        _ program: String, _ arguments: [String], environment: [String: String] = [:]
    ) throws -> ChildProcess.Result {
        try ChildProcess.run(
            TestEnvironment.executable(program), ["probe"] + arguments, environment: environment, timeout: 30)
    }

    func testTheAPIProbeExits0AgainstARunningAPIOnThePortOfTheFlagOrOfPORT() throws {
        let api = try APIServer(counts: ["soup": 3])
        defer { api.stop() }
        let flag = try probe("api", ["--port", "\(api.port)"])
        XCTAssertEqual(flag.status, 0, flag.output)
        XCTAssertEqual(flag.output, "api probe: GET http://127.0.0.1:\(api.port)/readyz answered 200\n")
        let variable = try probe("api", ["--path", "/livez"], environment: ["PORT": "\(api.port)"])
        XCTAssertEqual(variable.status, 0, variable.output)
        XCTAssertEqual(variable.output, "api probe: GET http://127.0.0.1:\(api.port)/livez answered 200\n")
    }

    func testTheProbeExits1AgainstAClosedPort() throws {
        let port = try EmbeddedBroker.freePort()
        for (program, environment) in [("api", ["PORT": "\(port)"]), ("consumer", ["METRICS_PORT": "\(port)"])] {
            let result = try probe(program, [], environment: environment)
            XCTAssertEqual(result.status, 1, result.output)
            XCTAssertEqual(
                result.output,
                "\(program) probe: unhealthy: GET http://127.0.0.1:\(port)/readyz: cannot connect: Connection refused\n"
            )
        }
    }

    func testTheProbeExits1AgainstA503Readyz() throws {
        let api = try APIServer(counts: nil)  // no database: /readyz answers 503
        defer { api.stop() }
        let result = try probe("api", ["--port", "\(api.port)", "--timeout-ms", "5000"])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertEqual(
            result.output, "api probe: GET http://127.0.0.1:\(api.port)/readyz answered 503, not 2xx: unhealthy\n")
    }

    func testABadProbeOptionExits1WithOneLineNamingIt() throws {
        let path = try probe("api", ["--path", "readyz"])
        XCTAssertEqual(path.status, 1, path.output)
        XCTAssertEqual(
            path.output,
            "api probe: error: --path=readyz is not valid: expected a path beginning with /, without spaces\n")
        let timeout = try probe("consumer", ["--timeout-ms", "0"])
        XCTAssertEqual(timeout.status, 1, timeout.output)
        XCTAssertEqual(
            timeout.output,
            "consumer probe: error: --timeout-ms=0 is not valid: expected an integer from 1 to 600000\n")
    }

    func testTheConsumerStillRunsWithoutASubcommandAndItsProbeAnswersIt() throws {
        // The root command's own options still parse and run: this one is refused by its run().
        let refused = try ChildProcess.run(
            TestEnvironment.executable("consumer"), ["--metrics-port", "99999"], timeout: 30)
        XCTAssertEqual(refused.status, 2, refused.output)
        XCTAssertEqual(
            refused.output, "consumer: error: --metrics-port=99999 is not valid: expected an integer from 1 to 65535\n")
        let help = try ChildProcess.run(TestEnvironment.executable("consumer"), ["--help"], timeout: 30)
        XCTAssertEqual(help.status, 0, help.output)
        XCTAssertTrue(help.output.contains("--broker"), help.output)
        XCTAssertTrue(help.output.contains("probe"), help.output)

        let harness = try ConsumerHarness(prefix: "probe", partitions: 1)
        let member = try harness.launch(environment: ["CREATE_TOPICS": "true"])
        defer {
            member.process.signal(SIGTERM)
            _ = member.process.wait(timeout: 15)
        }
        var last: ChildProcess.Result?
        let healthy = eventually(timeout: 30) {
            last = try? self.probe("consumer", ["--port", "\(member.port)", "--path", "/livez"])
            return last?.status == 0
        }
        XCTAssertTrue(healthy, "\(last?.output ?? "no probe ran")\n\(member.process.output.suffix(2_000))")
        XCTAssertEqual(last?.output, "consumer probe: GET http://127.0.0.1:\(member.port)/livez answered 200\n")
    }
}
