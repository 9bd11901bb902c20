extension KafkaProducer {
    /// Producer settings.
    public struct Configuration: Sendable {
        /// `host:port[,host:port]` of the bootstrap brokers.
        public var bootstrapServers: String
        /// The client id reported to the broker.
        public var clientID: String
        /// Whether the producer is idempotent (no duplicates from its own retries; implies `acks=all`).
        public var idempotence: Bool
        /// How long to wait to fill a batch (`linger.ms`).
        public var linger: Duration
        /// How long a message may take to be delivered, retries included (`message.timeout.ms`).
        public var messageTimeout: Duration
        /// TLS and SASL settings, shared with the program's other clients.
        public var security: KafkaSecurity
        /// Raw librdkafka properties, applied last: the escape hatch for anything not typed here.
        public var properties: [String: String]

        /// Creates a configuration.
        /// - Parameters:
        ///   - bootstrapServers: `host:port[,host:port]` of the brokers.
        ///   - clientID: The client id.
        ///   - idempotence: Whether the producer is idempotent.
        ///   - linger: How long to wait to fill a batch.
        ///   - messageTimeout: The delivery deadline per message.
        ///   - security: TLS and SASL settings.
        ///   - properties: Raw librdkafka properties, applied last.
        public init(
            bootstrapServers: String = "localhost:9092",
            clientID: String = "foodcount-producer",
            idempotence: Bool = true,
            linger: Duration = .milliseconds(5),
            messageTimeout: Duration = .seconds(30),
            security: KafkaSecurity = KafkaSecurity(),
            properties: [String: String] = [:]
        ) {
            self.bootstrapServers = bootstrapServers
            self.clientID = clientID
            self.idempotence = idempotence
            self.linger = linger
            self.messageTimeout = messageTimeout
            self.security = security
            self.properties = properties
        }

        /// The librdkafka properties this configuration stands for, in the order they are applied.
        public var librdkafkaProperties: [(String, String)] {
            var pairs: [(String, String)] = [
                ("bootstrap.servers", bootstrapServers),
                ("client.id", clientID),
                ("enable.idempotence", idempotence ? "true" : "false"),
                ("acks", "all"),
                ("linger.ms", String(linger.milliseconds)),
                ("message.timeout.ms", String(messageTimeout.milliseconds)),
            ]
            pairs += security.librdkafkaProperties
            pairs += properties.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value) }
            return pairs
        }
    }
}
