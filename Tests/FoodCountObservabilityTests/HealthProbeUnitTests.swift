import Glibc
import XCTest

@testable import FoodCountObservability

/// `HealthProbe`'s parsing of the status line and its deadline; `IntegrationTests/HealthProbeTests` runs the
/// `probe` subcommands against the programs.
final class HealthProbeUnitTests: XCTestCase {
    func testTheStatusCodeIsReadFromAnHTTP1StatusLineOnly() {
        XCTAssertEqual(HealthProbe.statusCode("HTTP/1.1 200 OK"), 200)
        XCTAssertEqual(HealthProbe.statusCode("HTTP/1.0 503 Service Unavailable"), 503)
        XCTAssertEqual(HealthProbe.statusCode("HTTP/1.1 204"), 204)
        for line in ["", "SSH-2.0-OpenSSH_9.2", "HTTP/1.1 20 OK", "HTTP/1.1 abc OK", "HTTP/2 200", "HTTP/1.1 999 X"] {
            XCTAssertNil(HealthProbe.statusCode(line), line)
        }
    }

    func testAServerThatAcceptsButNeverAnswersTimesOutWithinTheDeadline() throws {
        // A listening socket that nobody accepts from: the kernel completes the connection, nothing answers.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        XCTAssertTrue(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let started = ContinuousClock.now
        let probe = HealthProbe(port: port, timeout: .milliseconds(300))
        XCTAssertThrowsError(try probe.status()) { error in
            XCTAssertEqual((error as? HealthProbeError)?.code, .timeout)
            XCTAssertEqual(
                "\(error)", "GET http://127.0.0.1:\(port)/readyz: no answer within 300 ms (waiting for the answer)")
        }
        let elapsed = ContinuousClock.now - started
        XCTAssertLessThan(elapsed, .seconds(2), "the deadline holds")
        let (healthy, line) = probe.check(program: "x probe")
        XCTAssertFalse(healthy)
        XCTAssertTrue(line.hasPrefix("x probe: unhealthy: GET http://127.0.0.1:\(port)/readyz: no answer"), line)
    }
}
