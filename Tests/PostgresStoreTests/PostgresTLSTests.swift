import FoodCountCore
import Foundation
import Synchronization
import TestSupport
import XCTest

@testable import PostgresStore

/// Connections to PostgreSQL over TLS, as libpq's `sslmode` and `sslrootcert` ask, against the tests' server,
/// whose certificate a throwaway authority signed.
final class PostgresTLSTests: XCTestCase {
    private let p0 = SourcePartition(topic: "tls", partition: 0)

    func testTheURLTakesLibpqsSSLModesAndARootCertificateAndRefusesAnUnknownMode() throws {
        let secured = try PostgresLocation(
            url: "postgres://counter@db:5432/counts?sslmode=verify-full&sslrootcert=/ca.pem")
        XCTAssertEqual(secured.tlsMode, .verifyFull)
        XCTAssertEqual(secured.rootCertificatePath, "/ca.pem")
        XCTAssertEqual(secured.description, "postgres://counter@db:5432/counts?sslmode=verify-full")
        XCTAssertEqual(try PostgresLocation(url: "postgres://counter@db/counts").tlsMode, .prefer, "libpq's default")
        for mode in PostgresLocation.TLSMode.allCases {
            XCTAssertEqual(try PostgresLocation(url: "postgres://u@h/d?sslmode=\(mode.rawValue)").tlsMode, mode)
        }
        XCTAssertThrowsError(try PostgresLocation(url: "postgres://u@h/d?sslmode=verify")) { error in
            XCTAssertTrue("\(error)".contains("sslmode=verify is not one of disable, allow"), "\(error)")
        }
    }

    func testVerifyFullCountsAndReadsOverTLSWithTheServersAuthorityAndDisableDoesNot() async throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        var location = database.location
        location.tlsMode = .verifyFull
        location.rootCertificatePath = try TestEnvironment.postgresCertificateAuthority
        let store = try PostgresCountStore(configuration: .init(location: location))
        defer { store.close() }
        try store.commit(CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: nil, next: 2)], eventCount: 2))
        XCTAssertEqual(try encryptedSessions(database), ["1"], "the store's session is encrypted")
        let counts = try await PostgresCountReader(location: location).counts()
        XCTAssertEqual(counts, ["soup": 2], "the reader verifies and reads too")
        store.close()

        location.tlsMode = .disable
        let plain = try PostgresCountStore(configuration: .init(location: location))
        defer { plain.close() }
        XCTAssertEqual(try plain.storedOffsets(for: [p0]), [p0: 2])
        XCTAssertEqual(try encryptedSessions(database), ["0"], "sslmode=disable does not encrypt")
    }

    func testACertificateNoTrustedAuthoritySignedIsRefusedAsASetupErrorNotRetriedAsABadMoment() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        var location = database.location
        location.tlsMode = .verifyFull
        location.rootCertificatePath = "/etc/ssl/certs/ca-certificates.crt"
        XCTAssertThrowsError(try PostgresCountStore(configuration: .init(location: location))) { error in
            let error = error as? StoreError
            XCTAssertEqual(error?.code, .incompatible, "\(String(describing: error))")
            XCTAssertFalse(error?.isTransient ?? true)
            XCTAssertTrue(error?.message.contains("TLS") ?? false, "\(String(describing: error))")
        }
        location.rootCertificatePath = "/nonexistent/ca.pem"
        XCTAssertThrowsError(try PostgresCountStore(configuration: .init(location: location))) { error in
            XCTAssertEqual((error as? StoreError)?.code, .incompatible, "\(error)")
            XCTAssertTrue("\(error)".contains("/nonexistent/ca.pem"), "\(error)")
        }
    }

    func testAServerProcessKilledMidCommitOverTLSIsWaitedOutAsAMomentNotRefusedAsASetupError() throws {
        let database = try PostgresTestDatabase()
        defer { _ = eventually(timeout: 30) { (try? database.drop()) != nil } }
        var location = database.location
        location.tlsMode = .verifyFull
        location.rootCertificatePath = try TestEnvironment.postgresCertificateAuthority
        let store = try PostgresCountStore(configuration: .init(location: location, lockTimeout: .seconds(30)))
        defer { store.close() }
        try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)], eventCount: 1))

        // The commit waits for a lock when the server process serving it dies (SIGKILL): its TLS connection
        // ends without TLS's closing message, and the server restarts its other processes.
        let locker = try database.connect()
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE food_counts IN ACCESS EXCLUSIVE MODE")
        let batch = CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: 1, next: 3)], eventCount: 2)
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { try store.commit(batch) } catch { failure.withLock { $0 = error } }
            done.signal()
        }
        var pids: [String] = []
        let waiting = eventually(timeout: 10) {
            pids =
                (try? database.executeOnServer(
                    """
                    SELECT pid::text FROM pg_stat_activity WHERE datname = '\(database.location.database)'
                    AND application_name = 'foodcount' AND wait_event_type = 'Lock'
                    """)) ?? []
            return pids.count == 1
        }
        XCTAssertTrue(waiting, "the store's session never waited for the lock: \(pids)")
        let pid = try XCTUnwrap(pids.first.flatMap { Int32($0) })
        XCTAssertEqual(kill(pid, SIGKILL), 0, String(cString: strerror(errno)))
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        try? locker.close()

        let error = try XCTUnwrap(failure.withLock { $0 } as? StoreError, "the commit did not fail as a StoreError")
        XCTAssertEqual(error.code, .unavailable, "\(error)")
        XCTAssertTrue(error.isTransient, "\(error)")
        // Once the server is back, the same batch commits, and nothing of the failed attempt was kept.
        let committed = eventually(timeout: 30, interval: 0.5) { (try? store.commit(batch)) != nil }
        XCTAssertTrue(committed, "the store never committed again after the server restarted")
        XCTAssertEqual(try store.storedOffsets(for: [p0]), [p0: 3])
        XCTAssertEqual(try database.execute("SELECT count::text FROM food_counts WHERE category = 'soup'"), ["3"])
    }

    /// How many of the store's sessions on the database use TLS, as text: one row.
    private func encryptedSessions(_ database: PostgresTestDatabase) throws -> [String] {
        try database.executeOnServer(
            """
            SELECT count(*)::text FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
            WHERE datname = '\(database.location.database)' AND application_name = 'foodcount' AND ssl
            """)
    }
}
