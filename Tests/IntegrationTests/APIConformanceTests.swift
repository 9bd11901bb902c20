import Foundation
import TestSupport
import XCTest

/// The API answers as `docs/openapi.yaml` says, checked by a tool nobody here wrote (schemathesis, from PyPI),
/// with the database present, missing and locked: every response must match the document.
final class APIConformanceTests: XCTestCase {
    private var schemathesis: String {
        (TestEnvironment.python as NSString).deletingLastPathComponent + "/schemathesis"
    }

    private func conform(_ api: APIServer, examples: Int, _ state: String, extra: [String] = []) throws {
        let document = TestEnvironment.packageRoot.appendingPathComponent("docs/openapi.yaml").path
        let report = try TestEnvironment.temporaryDirectory("schemathesis")
        let result = try ChildProcess.run(
            schemathesis,
            [
                "run", document, "--url", api.url(""), "--checks", "all", "--max-examples", "\(examples)",
                "--workers", "1", "--request-timeout", "10", "--seed", "1", "--report-dir", report.path,
                // ASCII strings: the document's maxLength counts characters, the category limit bytes.
                "--generation-deterministic", "--generation-codec", "ascii",
            ] + extra,
            environment: ["SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"], timeout: 600)
        XCTAssertEqual(
            result.status, 0,
            "\(state): schemathesis found responses that do not match:\n\(result.output.suffix(6_000))")
    }

    func testEveryResponseMatchesTheDocumentWithTheDatabasePresent() throws {
        let api = try APIServer(counts: ["soup": 3, "pizza": 5, "crème brûlée": 1])
        defer { api.stop() }
        try conform(api, examples: 40, "present")
    }

    func testEveryResponseMatchesTheDocumentWithTheDatabaseMissing() throws {
        let api = try APIServer(counts: nil)
        defer { api.stop() }
        XCTAssertEqual(try HTTP.curl(api.url("/aggregated")).status, 503)
        // 503 is the documented answer here: schemathesis's "no server error" check does not apply.
        try conform(api, examples: 25, "missing", extra: ["--exclude-checks", "not_a_server_error"])
    }

    func testEveryResponseMatchesTheDocumentWithTheDatabaseLocked() throws {
        let api = try APIServer(counts: ["soup": 3])
        defer { api.stop() }
        // Another process holds the write lock through its commit (an exclusive lock): readers wait their 2 s
        // busy timeout and get 503 busy.
        let locker = try ChildProcess(
            TestEnvironment.python,
            [
                "-c",
                """
                import sqlite3, sys, time
                db = sqlite3.connect(sys.argv[1], isolation_level=None)
                db.execute("BEGIN EXCLUSIVE")
                print("locked", flush=True)
                time.sleep(600)
                """,
                api.database,
            ])
        defer { locker.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 10) { locker.output.contains("locked") }, locker.output)
        let busy = try HTTP.curl(api.url("/aggregated"))
        XCTAssertEqual(busy.status, 503)
        XCTAssertTrue(busy.body.contains(#""code":"busy""#), busy.body)
        // Each read of the counts waits 2 s: fewer examples, and only the operations that read them.
        try conform(
            api, examples: 4, "locked",
            extra: [
                "--include-path-regex", "^/(aggregated|readyz)$", "--exclude-checks", "not_a_server_error",
                "--phases", "fuzzing",
            ])
    }
}
