import ArgumentParser
import KafkaClient

/// The Kafka flags every program that talks to Kafka shares: where the brokers are, which topic, how to
/// reach a secure cluster, and raw librdkafka properties. Each flag falls back to its environment variable
/// (``Settings``), then to the library's default. Passwords are never flags: they come from
/// `KAFKA_SASL_PASSWORD` or `KAFKA_SASL_PASSWORD_FILE` (and `KAFKA_SSL_KEY_PASSWORD[_FILE]`) only, so that they
/// stay out of process listings and `--help`.
public struct KafkaOptions: ParsableArguments {
    /// What the options resolve to.
    public struct Resolved: Sendable {
        /// `host:port[,host:port]`.
        public var broker: String
        /// The topic.
        public var topic: String
        /// TLS and SASL, shared by every client of the program.
        public var security: KafkaSecurity
        /// Raw librdkafka properties, applied last.
        public var properties: [String: String]
    }

    /// The topic of the contract (`docs/contract.md`).
    public static let defaultTopic = "message"

    @Option(help: "Kafka bootstrap servers, host:port[,host:port] (env KAFKA_BROKER; default localhost:9092).")
    var broker: String?

    @Option(help: "Topic (env KAFKA_TOPIC; default \(Self.defaultTopic)).")
    var topic: String?

    @Option(
        help: "plaintext, ssl, sasl_plaintext or sasl_ssl (env KAFKA_SECURITY_PROTOCOL; default plaintext).")
    var securityProtocol: String?

    @Option(help: "CA certificates (PEM) to check the brokers against (env KAFKA_SSL_CA_FILE; default: the system's).")
    var sslCaFile: String?

    @Option(help: "Client certificate (PEM), for clusters that authenticate clients by TLS (env KAFKA_SSL_CERT_FILE).")
    var sslCertFile: String?

    @Option(
        help:
            "The client certificate's private key (PEM) (env KAFKA_SSL_KEY_FILE; its password: env KAFKA_SSL_KEY_PASSWORD or KAFKA_SSL_KEY_PASSWORD_FILE)."
    )
    var sslKeyFile: String?

    @Option(help: "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (env KAFKA_SASL_MECHANISM).")
    var saslMechanism: String?

    @Option(
        help:
            "SASL username (env KAFKA_SASL_USERNAME; the password: env KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE)."
    )
    var saslUsername: String?

    @Option(
        name: .customLong("kafka-property"),
        help:
            "Raw librdkafka property key=value, repeatable; applied last (env KAFKA_PROPERTIES: key=value,key=value; a value may hold commas)."
    )
    var kafkaProperties: [String] = []

    /// Creates the options with nothing given.
    public init() {}

    /// Resolves flags, environment and defaults.
    /// - Parameters:
    ///   - settings: The environment.
    ///   - defaultBroker: The broker when neither flag nor variable names one.
    public func resolve(_ settings: Settings, defaultBroker: String) throws(SettingError) -> Resolved {
        let fromEnvironmentBroker = try settings.nonEmpty("KAFKA_BROKER", expected: "host:port[,host:port]")
        let broker = self.broker ?? fromEnvironmentBroker ?? defaultBroker
        let fromEnvironmentTopic = try settings.nonEmpty("KAFKA_TOPIC", expected: "a topic name")
        let topic = self.topic ?? fromEnvironmentTopic ?? Self.defaultTopic
        var security = KafkaSecurity()
        if let securityProtocol {
            security.securityProtocol = try Settings.choice(
                securityProtocol, named: "--security-protocol", as: KafkaSecurity.SecurityProtocol.self)
        } else if let value = try settings.choice("KAFKA_SECURITY_PROTOCOL", as: KafkaSecurity.SecurityProtocol.self) {
            security.securityProtocol = value
        }
        security.caFile = sslCaFile ?? settings.string("KAFKA_SSL_CA_FILE")
        security.certificateFile = sslCertFile ?? settings.string("KAFKA_SSL_CERT_FILE")
        security.keyFile = sslKeyFile ?? settings.string("KAFKA_SSL_KEY_FILE")
        security.keyPassword = settings.string("KAFKA_SSL_KEY_PASSWORD").map(KafkaSecurity.Secret.init)
        if let saslMechanism {
            security.saslMechanism = try Settings.choice(
                saslMechanism, named: "--sasl-mechanism", as: KafkaSecurity.SASLMechanism.self)
        } else if let value = try settings.choice("KAFKA_SASL_MECHANISM", as: KafkaSecurity.SASLMechanism.self) {
            security.saslMechanism = value
        }
        security.username = saslUsername ?? settings.string("KAFKA_SASL_USERNAME")
        security.password = settings.string("KAFKA_SASL_PASSWORD").map(KafkaSecurity.Secret.init)
        var properties: [String: String] = [:]
        if let text = settings.string("KAFKA_PROPERTIES") {
            for (key, value) in try KafkaProperties.parse(text, named: "KAFKA_PROPERTIES") { properties[key] = value }
        }
        for flag in kafkaProperties {
            for (key, value) in try KafkaProperties.parse(flag, named: "--kafka-property") { properties[key] = value }
        }
        return Resolved(broker: broker, topic: topic, security: security, properties: properties)
    }
}
