/// How a client reaches secure clusters (MSK, Confluent Cloud, Aiven, Strimzi): TLS and SASL settings that
/// every client of a program shares: the consumer, its dead-letter producer, the datafeed.
public struct KafkaSecurity: Sendable, Equatable {
    /// `security.protocol`.
    public enum SecurityProtocol: String, Sendable, CaseIterable {
        /// No TLS, no SASL.
        case plaintext
        /// TLS.
        case ssl
        /// SASL without TLS.
        case saslPlaintext = "sasl_plaintext"
        /// SASL over TLS.
        case saslSSL = "sasl_ssl"

        /// Whether the protocol uses TLS.
        public var usesTLS: Bool { self == .ssl || self == .saslSSL }
        /// Whether the protocol uses SASL.
        public var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
    }

    /// `sasl.mechanism`: the SASL mechanisms librdkafka supports without Kerberos.
    public enum SASLMechanism: String, Sendable, CaseIterable {
        /// Username and password in clear (use it over TLS only).
        case plain
        /// SCRAM with SHA-256.
        case scramSHA256 = "scram-sha-256"
        /// SCRAM with SHA-512.
        case scramSHA512 = "scram-sha-512"

        /// librdkafka's name of the mechanism.
        public var librdkafkaName: String { rawValue.uppercased() }
    }

    /// A secret that never shows in logs, error messages or metrics: its description is redacted.
    public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        /// The secret itself.
        public let value: String
        /// Wraps a secret.
        public init(_ value: String) { self.value = value }
        /// `<redacted>`.
        public var description: String { "<redacted>" }
        /// `<redacted>`.
        public var debugDescription: String { "<redacted>" }
    }

    /// The protocol; `plaintext` by default.
    public var securityProtocol: SecurityProtocol
    /// The CA certificates (PEM) that the brokers' certificates are checked against (`ssl.ca.location`);
    /// `nil` uses the system's.
    public var caFile: String?
    /// The client's certificate (PEM), for clusters that authenticate clients by TLS (`ssl.certificate.location`).
    public var certificateFile: String?
    /// The client certificate's private key (PEM) (`ssl.key.location`).
    public var keyFile: String?
    /// The private key's password, if it has one (`ssl.key.password`).
    public var keyPassword: Secret?
    /// The SASL mechanism, with a SASL protocol.
    public var saslMechanism: SASLMechanism?
    /// The SASL username.
    public var username: String?
    /// The SASL password.
    public var password: Secret?

    /// Creates security settings; the defaults are a plaintext connection.
    public init(
        securityProtocol: SecurityProtocol = .plaintext,
        caFile: String? = nil,
        certificateFile: String? = nil,
        keyFile: String? = nil,
        keyPassword: Secret? = nil,
        saslMechanism: SASLMechanism? = nil,
        username: String? = nil,
        password: Secret? = nil
    ) {
        self.securityProtocol = securityProtocol
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.keyPassword = keyPassword
        self.saslMechanism = saslMechanism
        self.username = username
        self.password = password
    }

    /// Checks that the settings fit together, with the setting's name in the error.
    public func validate() throws(KafkaError) {
        func refuse(_ message: String) -> KafkaError { KafkaError(code: .invalidConfiguration, message: message) }
        if securityProtocol.usesSASL {
            guard saslMechanism != nil else { throw refuse("\(securityProtocol.rawValue) needs a SASL mechanism") }
            guard let username, !username.isEmpty else { throw refuse("SASL needs a username") }
            guard let password, !password.value.isEmpty else { throw refuse("SASL needs a password") }
        } else if saslMechanism != nil || username != nil || password != nil {
            throw refuse("a SASL mechanism, username or password needs security protocol sasl_ssl or sasl_plaintext")
        }
        if !securityProtocol.usesTLS, caFile != nil || certificateFile != nil || keyFile != nil {
            throw refuse("TLS files need security protocol ssl or sasl_ssl")
        }
        if (certificateFile == nil) != (keyFile == nil) {
            throw refuse("a client certificate needs its key, and a key its certificate")
        }
    }

    /// The librdkafka properties these settings stand for. Secrets appear here only, never in descriptions.
    public var librdkafkaProperties: [(String, String)] {
        var pairs = [("security.protocol", securityProtocol.rawValue)]
        if let caFile { pairs.append(("ssl.ca.location", caFile)) }
        if let certificateFile { pairs.append(("ssl.certificate.location", certificateFile)) }
        if let keyFile { pairs.append(("ssl.key.location", keyFile)) }
        if let keyPassword { pairs.append(("ssl.key.password", keyPassword.value)) }
        if let saslMechanism { pairs.append(("sasl.mechanism", saslMechanism.librdkafkaName)) }
        if let username { pairs.append(("sasl.username", username)) }
        if let password { pairs.append(("sasl.password", password.value)) }
        return pairs
    }
}
