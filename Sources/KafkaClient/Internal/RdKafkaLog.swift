import CRdKafka
import Logging

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

    init(logger: Logger) {
        self.logger = logger
    }
}

/// librdkafka log callback: routes librdkafka's own log lines into swift-log.
/// The client's opaque must be an `Unmanaged` `ClientContext` that outlives the client.
let rdKafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    client, level, facility, buffer in
    guard let client, let opaque = rd_kafka_opaque(client) else { return }
    let sink = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    let facilityText = facility.map { String(cString: $0) } ?? "?"
    let text = buffer.map { String(cString: $0) } ?? ""
    sink.logger.log(
        level: RdKafkaLog.level(level),
        "librdkafka: \(text)",
        metadata: ["rdkafka.facility": "\(facilityText)"]
    )
}
