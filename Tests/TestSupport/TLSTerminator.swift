import Foundation

/// A TLS front for a plaintext server, for tests: stunnel (Debian's stunnel4) on a free loopback port, with a
/// certificate of a throwaway CA made by openssl for `localhost` and `127.0.0.1`.
///
/// The embedded broker (Tansu 0.6) cannot serve TLS itself (its `--cert` and `--key` flags exclude each other),
/// so TLS tests put this in front of it and start it with this port as its advertised listener.
public final class TLSTerminator: @unchecked Sendable {
    /// The port clients connect to with TLS.
    public let port: Int
    /// The CA certificate (PEM) that signed the server's certificate.
    public let caFile: String
    /// A CA certificate (PEM) that did not sign it, to try a wrong one.
    public let otherCAFile: String
    private let process: ChildProcess

    /// Starts stunnel on `port`, forwarding to `127.0.0.1:target`.
    public init(port: Int, forwardingTo target: Int) throws {
        let directory = try TestEnvironment.temporaryDirectory("tls")
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        for ca in ["ca", "other-ca"] {
            try Self.openssl([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=foodcount-test-\(ca)",
                "-keyout", path("\(ca).key"), "-out", path("\(ca).crt"),
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        try Self.openssl([
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", path("server.key"),
            "-out", path("server.csr"),
        ])
        try Data(
            """
            subjectAltName=DNS:localhost,IP:127.0.0.1
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth

            """.utf8
        ).write(to: directory.appendingPathComponent("server.ext"))
        try Self.openssl([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-days", "2", "-extfile", path("server.ext"), "-out", path("server.crt"),
        ])
        try Data(
            """
            foreground = yes
            pid =
            [kafka]
            accept = 127.0.0.1:\(port)
            connect = 127.0.0.1:\(target)
            cert = \(path("server.crt"))
            key = \(path("server.key"))

            """.utf8
        ).write(to: directory.appendingPathComponent("stunnel.conf"))
        self.port = port
        caFile = path("ca.crt")
        otherCAFile = path("other-ca.crt")
        process = try ChildProcess("/usr/bin/stunnel4", [path("stunnel.conf")])
        let deadline = Date().addingTimeInterval(10)
        while !EmbeddedBroker.isListening(port: port) {
            guard Date() < deadline, process.isRunning else {
                throw TestFailure("stunnel did not start: \(process.output)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit { process.signal(SIGKILL) }

    private static func openssl(_ arguments: [String]) throws {
        let result = try ChildProcess.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? "") failed: \(result.output)") }
    }
}
