import CRdKafka
import Logging
import Synchronization

/// Maps librdkafka's syslog-style levels to swift-log levels.
enum RdKafkaLog {
    static func level(_ syslogLevel: Int32) -> Logger.Level {
        switch syslogLevel {
        case ...2: return .critical
        case 3: return .error
        case 4: return .warning
        case 5: return .notice
        case 6: return .info
        default: return .debug
        }
    }

    /// The swift-log `log.level`-like librdkafka `log_level` for a logger's level.
    static func syslogLevel(for level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}

/// The object behind a client's librdkafka opaque pointer; subclasses add per-client state.
class ClientContext: @unchecked Sendable {
    /// Where librdkafka's own log lines go.
    let logger: Logger
    /// Whether the client is being destroyed: its callbacks then return at once, so that nothing of
    /// librdkafka (a log line from a thread it is joining) reaches Swift any more.
    let silenced = Atomic(false)
    /// A failure that retrying cannot fix, once librdkafka reported one: the broker refused the client's
    /// credentials (SASL) or its TLS handshake. librdkafka would retry it forever; the client stops instead.
    let connectionRefusal = Mutex<KafkaError?>(nil)

    init(logger: Logger) {
        self.logger = logger
    }

    /// Takes an error librdkafka reports (error callback or consumer error message): logs it, and remembers it
    /// when it is an authentication or TLS failure.
    func noteError(_ err: rd_kafka_resp_err_t, _ reason: String) {
        logger.error("librdkafka: \(reason)", metadata: ["rdkafka.facility": "ERROR"])
        guard let refusal = Self.refusal(err, reason) else { return }
        connectionRefusal.withLock { $0 = $0 ?? refusal }
    }

    /// The error a client stops with for an authentication or TLS failure; `nil` for others.
    static func refusal(_ err: rd_kafka_resp_err_t, _ reason: String) -> KafkaError? {
        switch err {
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
            return KafkaError(
                code: .authentication,
                message:
                    "the broker refused the client's credentials (check the SASL mechanism, username and password): \(reason)",
                rdKafkaCode: err.rawValue, rdKafkaName: String(cString: rd_kafka_err2name(err)))
        case RD_KAFKA_RESP_ERR__SSL:
            return KafkaError(
                code: .authentication,
                message:
                    "the TLS handshake with the broker failed (check the CA file, the client certificate and key, and the broker's name): \(reason)",
                rdKafkaCode: err.rawValue, rdKafkaName: String(cString: rd_kafka_err2name(err)))
        default:
            return nil
        }
    }
}

/// librdkafka error callback: hands errors to the client's context.
let rdKafkaErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) ->
        Void = { _, err, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
            guard !context.silenced.load(ordering: .acquiring) else { return }
            context.noteError(rd_kafka_resp_err_t(rawValue: err), reason.map { String(cString: $0) } ?? "")
        }

/// librdkafka log callback: routes librdkafka's own log lines into swift-log.
/// The client's opaque must be an `Unmanaged` `ClientContext` that outlives the client.
let rdKafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    client, level, facility, buffer in
    guard let client, let opaque = rd_kafka_opaque(client) else { return }
    let sink = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    guard !sink.silenced.load(ordering: .acquiring) else { return }
    let facilityText = facility.map { String(cString: $0) } ?? "?"
    let text = buffer.map { String(cString: $0) } ?? ""
    sink.logger.log(
        level: RdKafkaLog.level(level),
        "librdkafka: \(text)",
        metadata: ["rdkafka.facility": "\(facilityText)"]
    )
}
