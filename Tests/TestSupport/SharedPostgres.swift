import Foundation
import Synchronization

/// One PostgreSQL server per test process when `scripts/test` did not provide one
/// (`FOODCOUNT_TEST_POSTGRES`): started with `scripts/lib/postgres.sh` in a folder under `.run/`, stopped
/// when the process exits.
enum SharedPostgres {
    static let instance: Result<(url: String, certificateAuthority: String), any Error> = Result {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/lib/postgres.sh").path
        let folder = TestEnvironment.packageRoot.appendingPathComponent(".run/test-postgres-\(getpid())").path
        let port = try freePort()
        let result = try ChildProcess.run("/bin/bash", [script, "start", folder, "\(port)"])
        guard result.status == 0 else {
            throw TestFailure(
                "could not start PostgreSQL for the tests (set FOODCOUNT_TEST_POSTGRES or run scripts/test): "
                    + result.output)
        }
        sharedPostgresFolder.withLock { $0 = (script, folder) }
        atexit {
            guard let (script, folder) = sharedPostgresFolder.withLock({ $0 }) else { return }
            _ = try? ChildProcess.run("/bin/bash", [script, "stop", folder])
        }
        return ("postgres://postgres@127.0.0.1:\(port)/postgres", folder + "/ca.crt")
    }

    /// A free TCP port on 127.0.0.1.
    private static func freePort() throws -> Int {
        let result = try ChildProcess.run(
            "/usr/bin/python3",
            ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        guard result.status == 0, let port = Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("could not find a free port: \(result.output)")
        }
        return port
    }
}

private let sharedPostgresFolder = Mutex<(String, String)?>(nil)
