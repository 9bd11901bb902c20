import CRdKafka

/// An error raised by the Kafka client, carrying librdkafka's code and text when there is one.
///
/// Match on ``code`` to tell kinds apart; new codes may be added in minor releases.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The stable string form of the code.
        public let rawValue: String
        /// Creates a code from its stable string form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The stable string form of the code.
        public var description: String { rawValue }

        /// A configuration key or value was rejected.
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        /// The client handle could not be created.
        public static let clientCreation = Code(rawValue: "client_creation")
        /// Subscribing to topics failed.
        public static let subscription = Code(rawValue: "subscription")
        /// Consuming failed.
        public static let consume = Code(rawValue: "consume")
        /// Committing offsets failed.
        public static let commit = Code(rawValue: "commit")
        /// Producing a message failed before it was queued.
        public static let produce = Code(rawValue: "produce")
        /// The broker did not acknowledge a produced message.
        public static let delivery = Code(rawValue: "delivery")
        /// An operation did not finish in time.
        public static let timeout = Code(rawValue: "timeout")
        /// The client was already closed.
        public static let closed = Code(rawValue: "closed")
        /// A metadata or watermark query failed.
        public static let query = Code(rawValue: "query")
        /// librdkafka reported a fatal error: the client cannot be used any more.
        public static let fatal = Code(rawValue: "fatal")
        /// The broker refused the client's credentials or its TLS handshake: retrying cannot help.
        public static let authentication = Code(rawValue: "authentication")
        /// The librdkafka loaded is older than ``Librdkafka/minimumVersion``.
        public static let unsupportedLibrary = Code(rawValue: "unsupported_library")
    }

    /// The kind of failure.
    public let code: Code
    /// librdkafka's numeric error code (`rd_kafka_resp_err_t`), when librdkafka reported one.
    public let rdKafkaCode: Int32?
    /// librdkafka's symbolic error name, such as `_TRANSPORT`, when there is one.
    public let rdKafkaName: String?
    /// A human-readable explanation.
    public let message: String
    /// The topic concerned, when one is.
    public let topic: String?
    /// The partition concerned, when one is.
    public let partition: Int32?

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        rdKafkaCode: Int32? = nil,
        rdKafkaName: String? = nil,
        topic: String? = nil,
        partition: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.rdKafkaCode = rdKafkaCode
        self.rdKafkaName = rdKafkaName
        self.topic = topic
        self.partition = partition
    }

    /// Whether librdkafka considers this error retriable (a bad moment, not a bad request).
    public var isTransient: Bool {
        guard let rdKafkaCode else { return code == .timeout }
        switch rd_kafka_resp_err_t(rawValue: rdKafkaCode) {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT,
            RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return true
        default:
            return false
        }
    }

    /// A one-line description with the code and its context.
    public var description: String {
        var text = "KafkaError(\(code)): \(message)"
        if let rdKafkaName { text += " [\(rdKafkaName)]" }
        if let topic {
            text += " topic=\(topic)"
            if let partition { text += " partition=\(partition)" }
        }
        return text
    }
}

extension KafkaError {
    /// Builds an error from a librdkafka response code.
    init(code: Code, rdKafka err: rd_kafka_resp_err_t, context: String, topic: String? = nil, partition: Int32? = nil) {
        let text = String(cString: rd_kafka_err2str(err))
        self.init(
            code: code,
            message: "\(context): \(text)",
            rdKafkaCode: err.rawValue,
            rdKafkaName: String(cString: rd_kafka_err2name(err)),
            topic: topic,
            partition: partition
        )
    }

    /// Builds an error from an `rd_kafka_error_t`, destroying it.
    init(code: Code, consuming error: OpaquePointer, context: String) {
        let err = rd_kafka_error_code(error)
        let text = String(cString: rd_kafka_error_string(error))
        let fatal = rd_kafka_error_is_fatal(error) != 0
        rd_kafka_error_destroy(error)
        self.init(
            code: fatal ? .fatal : code,
            message: "\(context): \(text)",
            rdKafkaCode: err.rawValue,
            rdKafkaName: String(cString: rd_kafka_err2name(err))
        )
    }
}
