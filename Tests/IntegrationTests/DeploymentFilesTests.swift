import Foundation
import TestSupport
import XCTest

/// The rules of the deployment files that no program reads in the tests (`docs/deployment.md`): the Dockerfile's and
/// compose's health checks run the `probe` subcommands, the PostgreSQL profile's password comes from secret files,
/// Prometheus scrapes every service that serves `/metrics`, and the Grafana dashboard takes its datasource and job
/// as variables. `scripts/test-image` also lints the files with docker-compose and promtool.
final class DeploymentFilesTests: XCTestCase {
    private func text(_ path: String) throws -> String {
        try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    /// A YAML file as JSON objects, read by the tests' Python (PyYAML; merge keys resolved).
    private func yaml(_ path: String) throws -> [String: Any] {
        let file = TestEnvironment.packageRoot.appendingPathComponent(path).path
        let result = try ChildProcess.run(
            TestEnvironment.python,
            ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file], timeout: 60)
        XCTAssertEqual(result.status, 0, result.output)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    }

    private func services() throws -> [String: [String: Any]] {
        try XCTUnwrap(yaml("docker-compose.yml")["services"] as? [String: [String: Any]])
    }

    /// The program a service of the FoodCount image runs (`consumer`, `api`, ...), or `nil` for another image.
    private func program(_ service: [String: Any]) -> String? {
        guard (service["image"] as? String)?.hasPrefix("foodcount:") == true else { return nil }
        return (service["command"] as? [String])?.first
    }

    func testTheImagesHealthCheckRunsTheConsumerProbeAndItExposesBothPorts() throws {
        let lines = try text("Dockerfile").split(separator: "\n").map(String.init)
        let healthChecks = lines.filter { $0.hasPrefix("HEALTHCHECK ") }
        XCTAssertEqual(healthChecks.count, 1, "\(healthChecks)")
        XCTAssertTrue(healthChecks.first?.hasSuffix(#"CMD ["consumer", "probe"]"#) ?? false, "\(healthChecks)")
        XCTAssertEqual(lines.last { $0.hasPrefix("CMD ") }, #"CMD ["consumer"]"#, "the probe asks the default program")
        let exposed = lines.filter { $0.hasPrefix("EXPOSE ") }.flatMap { $0.split(separator: " ").dropFirst() }
        XCTAssertEqual(Set(exposed.map(String.init)), ["8080", "8081"])
        XCTAssertFalse(lines.contains { $0.contains("/dev/tcp") })
    }

    func testComposeHealthChecksRunTheProbeOfTheServicesProgram() throws {
        var probed: [String] = []
        for (name, service) in try services() {
            let healthCheck = service["healthcheck"] as? [String: Any]
            XCTAssertFalse("\(healthCheck ?? [:])".contains("/dev/tcp"), name)
            guard let program = program(service) else { continue }
            if program == "consumer" || program == "api" {
                XCTAssertEqual(healthCheck?["test"] as? [String], ["CMD", program, "probe"], name)
                probed.append(name)
            } else {
                // The image's own check asks a consumer: wrong for any other program.
                XCTAssertEqual(healthCheck?["disable"] as? Bool, true, "\(name) runs \(program)")
            }
        }
        XCTAssertEqual(probed.sorted(), ["api", "api-postgres", "consumer", "consumer-postgres"])
    }

    func testThePostgresProfileGetsItsPasswordFromSecretFilesNeverFromTheEnvironment() throws {
        let compose = try yaml("docker-compose.yml")
        let secrets = try XCTUnwrap(compose["secrets"] as? [String: [String: String]])
        var files: [String: String] = [:]
        for (name, secret) in secrets {
            let path = try XCTUnwrap(secret["file"], name)
            let file = path.replacingOccurrences(
                of: #"\$\{[A-Z_]+:-([^}]+)\}"#, with: "$1", options: .regularExpression)
            files[name] = try text(file).trimmingCharacters(in: .newlines)
        }
        let profile = try services().filter { ($0.value["profiles"] as? [String])?.contains("postgres") == true }
        XCTAssertEqual(Set(profile.keys), ["postgres", "consumer-postgres", "api-postgres"])
        for (name, service) in profile {
            let environment = try XCTUnwrap(service["environment"] as? [String: String], name)
            for (key, value) in environment {
                XCTAssertFalse(
                    key.contains("PASSWORD") && !key.hasSuffix("_FILE"), "\(name): \(key) in plain environment")
                XCTAssertFalse(key == "DATABASE_URL", "\(name): DATABASE_URL holds the password; use DATABASE_URL_FILE")
                XCTAssertFalse(value.contains("://") && value.contains("@"), "\(name): \(key) holds credentials")
            }
            let fileVariable = name == "postgres" ? "POSTGRES_PASSWORD_FILE" : "DATABASE_URL_FILE"
            let mounted = try XCTUnwrap(environment[fileVariable], "\(name) sets \(fileVariable)")
            let secret = try XCTUnwrap(mounted.split(separator: "/").last.map(String.init))
            XCTAssertEqual(mounted, "/run/secrets/\(secret)", name)
            XCTAssertEqual(service["secrets"] as? [String], [secret], name)
            XCTAssertNotNil(files[secret], "\(name) uses the undeclared secret \(secret)")
        }
        // The two default files agree: the URL holds the role's password.
        let url = try XCTUnwrap(URLComponents(string: files["database-url"] ?? ""))
        XCTAssertEqual(url.password, files["postgres-password"])
        XCTAssertEqual(url.host, "postgres")
    }

    func testPrometheusScrapesEveryServiceThatServesMetricsOnItsPort() throws {
        let configuration = try yaml("deploy/prometheus/prometheus.yml")
        var scraped: [String: String] = [:]  // host name -> job
        var ports: [String: Int] = [:]
        for job in try XCTUnwrap(configuration["scrape_configs"] as? [[String: Any]]) {
            let name = try XCTUnwrap(job["job_name"] as? String)
            for discovery in job["dns_sd_configs"] as? [[String: Any]] ?? [] {
                for host in discovery["names"] as? [String] ?? [] {
                    scraped[host] = name
                    ports[host] = discovery["port"] as? Int
                }
            }
            for group in job["static_configs"] as? [[String: Any]] ?? [] {
                for target in group["targets"] as? [String] ?? [] {
                    let parts = target.split(separator: ":")
                    scraped[String(parts[0])] = name
                    ports[String(parts[0])] = Int(parts[1])
                }
            }
        }
        for (name, service) in try services() {
            guard let program = program(service), program == "consumer" || program == "api" else { continue }
            XCTAssertEqual(scraped[name], name, "Prometheus scrapes \(name) as job \(name)")
            XCTAssertEqual(ports[name], program == "consumer" ? 8081 : 8080, name)
        }
        let check = try ChildProcess.run(
            "/bin/sh",
            ["-c", "promtool check config '\(TestEnvironment.packageRoot.path)/deploy/prometheus/prometheus.yml'"])
        XCTAssertEqual(check.status, 0, check.output)
    }

    func testTheDashboardTakesItsDatasourceAndJobAsVariables() throws {
        let data = try Data(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("deploy/grafana/dashboards/foodcount.json"))
        let dashboard = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let variables = try XCTUnwrap((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]])
        let datasource = try XCTUnwrap(variables.first { $0["name"] as? String == "datasource" })
        XCTAssertEqual(datasource["type"] as? String, "datasource")
        XCTAssertEqual(datasource["query"] as? String, "prometheus")
        let job = try XCTUnwrap(variables.first { $0["name"] as? String == "job" })
        XCTAssertEqual((job["datasource"] as? [String: String])?["uid"], "${datasource}")
        XCTAssertEqual(job["multi"] as? Bool, true)

        let panels = try XCTUnwrap(dashboard["panels"] as? [[String: Any]])
        XCTAssertFalse(panels.isEmpty)
        for panel in panels {
            let title = panel["title"] as? String ?? "?"
            XCTAssertEqual((panel["datasource"] as? [String: String])?["uid"], "${datasource}", title)
            let targets = try XCTUnwrap(panel["targets"] as? [[String: Any]], title)
            for target in targets {
                XCTAssertEqual((target["datasource"] as? [String: String])?["uid"], "${datasource}", title)
                let expression = try XCTUnwrap(target["expr"] as? String, title)
                // Every series selector is narrowed to the chosen jobs; none names a fixed job.
                let selectors = expression.matches(of: /\b(foodcount_[a-z_]+|kafka_[a-z_]+|up)\b(\{[^}]*\})?/)
                XCTAssertFalse(selectors.isEmpty, expression)
                for selector in selectors {
                    XCTAssertTrue(
                        selector.2.map { $0.hasPrefix(#"{job=~"$job""#) } ?? false, "\(title): \(selector.0)")
                }
                XCTAssertFalse(expression.contains(#"job=""#), "\(title): \(expression)")
            }
        }
    }

    func testTheComposeFilePassesDockerComposeConfig() throws {
        let lint = try TestEnvironment.temporaryDirectory("compose-lint").appendingPathComponent("docker-compose.yml")
        // Debian's docker-compose (1.29) predates the top-level `name:` (as in scripts/test-image).
        let lines = try text("docker-compose.yml").split(separator: "\n", omittingEmptySubsequences: false)
        try lines.filter { !$0.hasPrefix("name:") }.joined(separator: "\n").write(
            to: lint, atomically: true, encoding: .utf8)
        let which = try ChildProcess.run("/bin/sh", ["-c", "command -v docker-compose"])
        try XCTSkipIf(which.status != 0, "docker-compose is not installed (scripts/bootstrap --image installs it)")
        let check = try ChildProcess.run(
            "/bin/sh",
            [
                "-c",
                "docker-compose --project-directory '\(TestEnvironment.packageRoot.path)' -f '\(lint.path)' config -q",
            ])
        XCTAssertEqual(check.status, 0, check.output)
    }
}
