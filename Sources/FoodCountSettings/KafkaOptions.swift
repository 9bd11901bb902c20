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

    @Option(SettingCatalog.broker) var broker: String?
    @Option(SettingCatalog.topic) var topic: String?
    @Option(SettingCatalog.securityProtocol) var securityProtocol: String?
    @Option(SettingCatalog.sslCAFile) var sslCaFile: String?
    @Option(SettingCatalog.sslCertificateFile) var sslCertFile: String?
    @Option(SettingCatalog.sslKeyFile) var sslKeyFile: String?
    @Option(SettingCatalog.saslMechanism) var saslMechanism: String?
    @Option(SettingCatalog.saslUsername) var saslUsername: String?
    @Option(repeating: SettingCatalog.kafkaProperties) var kafkaProperties: [String]

    /// The flags given, by the variable of their setting (for `check-config`).
    public var given: [String: String] {
        let flags: [(any DeclaredSetting, String?)] = [
            (SettingCatalog.broker, broker), (SettingCatalog.topic, topic),
            (SettingCatalog.securityProtocol, securityProtocol), (SettingCatalog.sslCAFile, sslCaFile),
            (SettingCatalog.sslCertificateFile, sslCertFile), (SettingCatalog.sslKeyFile, sslKeyFile),
            (SettingCatalog.saslMechanism, saslMechanism), (SettingCatalog.saslUsername, saslUsername),
        ]
        var given: [String: String] = [:]
        for case (let setting, let text?) in flags { given[setting.variable] = text }
        return given
    }

    /// Creates the options with nothing given.
    public init() {}

    /// Resolves flags, environment and the declared defaults (``SettingCatalog``).
    /// - Parameter settings: The environment.
    public func resolve(_ settings: Settings) throws(SettingError) -> Resolved {
        typealias Declared = SettingCatalog
        var security = KafkaSecurity()
        security.securityProtocol = try settings.required(Declared.securityProtocol, flag: securityProtocol)
        security.caFile = try settings.value(Declared.sslCAFile, flag: sslCaFile)
        security.certificateFile = try settings.value(Declared.sslCertificateFile, flag: sslCertFile)
        security.keyFile = try settings.value(Declared.sslKeyFile, flag: sslKeyFile)
        security.keyPassword = try settings.value(Declared.sslKeyPassword).map(KafkaSecurity.Secret.init)
        security.saslMechanism = try settings.value(Declared.saslMechanism, flag: saslMechanism)
        security.username = try settings.value(Declared.saslUsername, flag: saslUsername)
        security.password = try settings.value(Declared.saslPassword).map(KafkaSecurity.Secret.init)
        var properties: [String: String] = [:]
        if let text = settings.string(Declared.kafkaProperties.variable) {
            for (key, value) in try KafkaProperties.parse(text, named: "KAFKA_PROPERTIES") { properties[key] = value }
        }
        for flag in kafkaProperties {
            for (key, value) in try KafkaProperties.parse(flag, named: "--kafka-property") { properties[key] = value }
        }
        return Resolved(
            broker: try settings.required(Declared.broker, flag: broker),
            topic: try settings.required(Declared.topic, flag: topic), security: security, properties: properties)
    }
}
