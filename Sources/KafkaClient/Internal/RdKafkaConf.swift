import CRdKafka

/// Builds and owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new`.
struct RdKafkaConf {
    /// The handle; ownership passes to librdkafka on a successful `rd_kafka_new`.
    let handle: OpaquePointer

    /// Creates a configuration from ordered key/value pairs; later pairs win.
    init(_ pairs: [(String, String)]) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: .invalidConfiguration, message: "rd_kafka_conf_new returned NULL")
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for (key, value) in pairs {
            let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let reason = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                let shown = Self.isSecret(key) ? "<redacted>" : value
                throw KafkaError(code: .invalidConfiguration, message: "\(key)=\(shown): \(reason)")
            }
        }
        handle = conf
    }

    /// Whether a property holds a secret, whose value no message may repeat.
    static func isSecret(_ key: String) -> Bool {
        key.contains("password") || key.contains("secret") || key.hasSuffix(".pem")
    }

    /// Creates the client, consuming this configuration.
    func makeClient(type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let client = rd_kafka_new(type, handle, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(handle)
            let reason = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(code: .clientCreation, message: "rd_kafka_new failed: \(reason)")
        }
        return client
    }
}

/// Checks a `host:port[,host:port...]` list and returns a clear error for anything else.
enum BootstrapServers {
    static func validate(_ servers: String) throws(KafkaError) {
        let entries = servers.split(separator: ",", omittingEmptySubsequences: false)
        guard !servers.isEmpty else {
            throw KafkaError(code: .invalidConfiguration, message: "broker address is empty; expected host:port")
        }
        for rawEntry in entries {
            var entry = rawEntry.trimmingWhitespace()
            for scheme in ["PLAINTEXT://", "SSL://", "SASL_PLAINTEXT://", "SASL_SSL://", "tcp://"]
            where entry.lowercased().hasPrefix(scheme.lowercased()) {
                entry = String(entry.dropFirst(scheme.count))
            }
            guard let colon = entry.lastIndex(of: ":") else {
                throw KafkaError(
                    code: .invalidConfiguration, message: "malformed broker address '\(rawEntry)': expected host:port")
            }
            let host = entry[..<colon]
            let port = entry[entry.index(after: colon)...]
            guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }),
                let number = Int(port), (1...65_535).contains(number)
            else {
                throw KafkaError(
                    code: .invalidConfiguration, message: "malformed broker address '\(rawEntry)': expected host:port")
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}

extension Duration {
    /// Whole milliseconds, saturating at `Int32.max`.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, total))
    }
}

/// A librdkafka handle that may cross threads: librdkafka's handles are thread-safe.
struct ClientHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
