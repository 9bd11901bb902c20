import Foundation

/// Reads a topic through Python's confluent-kafka, a Kafka client independent of ours.
public enum PythonConsumer {
    /// One message read back.
    public struct Message {
        /// Its partition.
        public let partition: Int
        /// Its offset.
        public let offset: Int
        /// Its value, `nil` for a tombstone.
        public let value: [UInt8]?
        /// Its headers, decoded as UTF-8.
        public let headers: [String: String]
    }

    /// Reads every message of `topic`, stopping after `idle` seconds without a new one.
    /// - Parameter config: librdkafka settings for the Python client (TLS, SASL).
    public static func readAll(
        topic: String, broker: String, idle: TimeInterval = 8, config: [String: String] = [:]
    ) throws -> [Message] {
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/consume.py").path
        let settings = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        let result = try ChildProcess.run(
            TestEnvironment.python, [script, broker, topic, "\(idle)"], environment: ["KAFKA_CLIENT_CONFIG": settings],
            timeout: 120)
        guard result.status == 0 else { throw TestFailure("python consumer failed: \(result.output)") }
        return result.output.split(separator: "\n").compactMap { line in
            guard let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let partition = object["partition"] as? Int, let offset = object["offset"] as? Int
            else { return nil }
            let value = (object["value_b64"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
            return Message(
                partition: partition, offset: offset, value: value,
                headers: object["headers"] as? [String: String] ?? [:])
        }
    }
}
