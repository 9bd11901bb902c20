import FoodCountCore
import Foundation
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

    /// How many of the store's sessions on the database use TLS, as text: one row.
    private func encryptedSessions(_ database: PostgresTestDatabase) throws -> [String] {
        try database.executeOnServer(
            """
            SELECT count(*)::text FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
            WHERE datname = '\(database.location.database)' AND application_name = 'foodcount' AND ssl
            """)
    }
}
