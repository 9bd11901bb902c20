import CRdKafka

/// The librdkafka this process runs with, and the oldest one the wrapper accepts.
public enum Librdkafka {
    /// The oldest librdkafka accepted: 2.3.0. Older ones lack `fetch.queue.backoff.ms` (2.2.0), and 2.0.x loses
    /// or repeats messages around pause, resume and rebalance with batch consumption (fixed in 2.1).
    public static let minimumVersion = "2.3.0"

    /// `rd_kafka_version()`'s form of ``minimumVersion``: 0xMMmmrr00.
    static let minimumVersionNumber: Int32 = 0x0203_0000

    /// The version of the librdkafka loaded, such as `2.8.0`.
    public static var version: String { String(cString: rd_kafka_version_str()) }

    /// Whether the librdkafka loaded is ``minimumVersion`` or newer.
    public static var isSupported: Bool { rd_kafka_version() & ~0xff >= minimumVersionNumber }

    /// Throws when the librdkafka loaded is older than ``minimumVersion``, with one line that names both.
    /// ``KafkaConsumer`` and ``KafkaProducer`` call it first; programs call it at start, before anything else.
    public static func requireSupportedVersion() throws(KafkaError) {
        guard isSupported else {
            throw KafkaError(
                code: .unsupportedLibrary,
                message: "librdkafka \(version) is too old: FoodCount needs librdkafka \(minimumVersion) or newer "
                    + "(see docs/deployment.md)")
        }
    }
}
