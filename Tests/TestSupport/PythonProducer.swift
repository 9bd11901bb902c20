import Foundation

/// Produces messages through Python's confluent-kafka, a Kafka client independent of ours.
public enum PythonProducer {
    /// One message to produce.
    public struct Message {
        var spec: [String: Any]

        /// A UTF-8 text value.
        public static func text(_ value: String, key: String? = nil, partition: Int? = nil) -> Message {
            var spec: [String: Any] = ["value": value]
            if let key { spec["key"] = key }
            if let partition { spec["partition"] = partition }
            return Message(spec: spec)
        }

        /// A raw bytes value.
        public static func bytes(_ value: [UInt8], partition: Int? = nil) -> Message {
            var spec: [String: Any] = ["value_b64": Data(value).base64EncodedString()]
            if let partition { spec["partition"] = partition }
            return Message(spec: spec)
        }

        /// A tombstone: a null value.
        public static func tombstone(partition: Int? = nil) -> Message {
            var spec: [String: Any] = ["value": NSNull()]
            if let partition { spec["partition"] = partition }
            return Message(spec: spec)
        }

        /// Adds headers.
        public func withHeaders(_ headers: [String: String]) -> Message {
            var copy = self
            copy.spec["headers"] = headers
            return copy
        }
    }

    /// Produces the messages and waits until the broker acknowledged every one.
    /// - Parameter config: librdkafka settings for the Python client (TLS, SASL).
    public static func produce(
        _ messages: [Message], topic: String, broker: String, config: [String: String] = [:]
    ) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("produce-\(UUID().uuidString).jsonl")
        var text = ""
        text.reserveCapacity(messages.count * 32)
        for message in messages {
            let data = try JSONSerialization.data(withJSONObject: message.spec)
            text += String(decoding: data, as: UTF8.self) + "\n"
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/produce.py").path
        let settings = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        let result = try ChildProcess.run(
            TestEnvironment.python, [script, broker, topic, file.path], environment: ["KAFKA_CLIENT_CONFIG": settings],
            timeout: 180)
        guard result.status == 0, result.output.contains("delivered \(messages.count)") else {
            throw TestFailure("python producer failed (\(result.status)): \(result.output)")
        }
    }
}
