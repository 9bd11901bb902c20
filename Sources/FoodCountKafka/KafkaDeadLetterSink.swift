import FoodCountCore
import Foundation
import KafkaClient
import Logging
import Synchronization

/// A `DeadLetterSink` that writes to a Kafka topic and waits for the broker's acknowledgements.
///
/// Each letter keeps the original key, value and headers, and gains context headers (see
/// ``Header``). A value too large for the broker is sent truncated, marked by a header, rather than
/// blocking the stream forever.
public final class KafkaDeadLetterSink: DeadLetterSink {
    /// The context headers added to every dead letter.
    public enum Header {
        /// The topic the record was read from.
        public static let sourceTopic = "foodcount.source.topic"
        /// Its partition.
        public static let sourcePartition = "foodcount.source.partition"
        /// Its offset.
        public static let sourceOffset = "foodcount.source.offset"
        /// The consumer group that rejected it.
        public static let consumerGroup = "foodcount.consumer.group"
        /// The stable error kind (see `EventDecodingError.Kind`).
        public static let errorKind = "foodcount.error.kind"
        /// The human-readable error.
        public static let errorMessage = "foodcount.error.message"
        /// When it was rejected, ISO 8601 in UTC.
        public static let rejectedAt = "foodcount.rejected.at"
        /// Present, with the original size in bytes, when the value had to be truncated.
        public static let truncatedFrom = "foodcount.value.truncated.from"
    }

    private let producer: KafkaProducer
    private let topic: String
    private let group: String
    private let truncateTo: Int

    /// Creates a sink.
    /// - Parameters:
    ///   - producer: The producer to write with; ``close()`` destroys it.
    ///   - topic: The dead-letter topic.
    ///   - consumerGroup: The consumer group, recorded in a header.
    ///   - truncateTo: The value size kept when the broker refuses a letter as too large.
    public init(producer: KafkaProducer, topic: String, consumerGroup: String, truncateTo: Int = 65_536) {
        self.producer = producer
        self.topic = topic
        self.group = consumerGroup
        self.truncateTo = truncateTo
    }

    /// Implements `DeadLetterSink.send`: produces the letters, then waits for their delivery reports until
    /// the deadline or the stop. A letter still unacknowledged then is reported as failed; the producer may
    /// still deliver it, so the next attempt can write it twice (the DLQ is at-least-once).
    public func send(_ letters: [DeadLetter], deadline: ContinuousClock.Instant, shouldStop: () -> Bool) -> [(
        any Error
    )?] {
        var results = deliver(letters.map { record(for: $0, truncated: false) }, deadline, shouldStop)
        // Values the broker refuses as too large go again, truncated: a permanent refusal must not stall us.
        let tooLarge = results.indices.filter { (results[$0] as? KafkaError)?.isMessageTooLarge == true }
        if !tooLarge.isEmpty {
            let retried = deliver(tooLarge.map { record(for: letters[$0], truncated: true) }, deadline, shouldStop)
            for (index, result) in zip(tooLarge, retried) { results[index] = result }
        }
        return results
    }

    /// Sends records and waits for their delivery reports, until the deadline or the stop.
    private func deliver(
        _ records: [ProducerRecord],
        _ deadline: ContinuousClock.Instant,
        _ shouldStop: () -> Bool
    ) -> [(any Error)?] {
        let unanswered = KafkaError(
            code: .timeout, message: "no acknowledgement before the pipeline stopped waiting; the letter is sent again")
        let outcomes = Mutex<[(any Error)?]>(Array(repeating: unanswered, count: records.count))
        let group = DispatchGroup()
        for (index, record) in records.enumerated() {
            group.enter()
            do {
                try producer.send(record) { result in
                    outcomes.withLock { outcomes in
                        if case .failure(let error) = result { outcomes[index] = error } else { outcomes[index] = nil }
                    }
                    group.leave()
                }
            } catch {
                outcomes.withLock { $0[index] = error }
                group.leave()
            }
        }
        while group.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            if ContinuousClock.now >= deadline || shouldStop() { break }
        }
        return outcomes.withLock { $0 }
    }

    private func record(for letter: DeadLetter, truncated: Bool) -> ProducerRecord {
        let source = letter.record
        var headers = source.headers.map { KafkaHeader(name: $0.name, value: $0.value) }
        headers += [
            KafkaHeader(name: Header.sourceTopic, string: source.partition.topic),
            KafkaHeader(name: Header.sourcePartition, string: String(source.partition.partition)),
            KafkaHeader(name: Header.sourceOffset, string: String(source.offset)),
            KafkaHeader(name: Header.consumerGroup, string: group),
            KafkaHeader(name: Header.errorKind, string: letter.error.kind.rawValue),
            KafkaHeader(name: Header.errorMessage, string: letter.error.message),
            KafkaHeader(name: Header.rejectedAt, string: Self.iso8601(milliseconds: letter.rejectedAtMilliseconds)),
        ]
        var value = source.value
        if truncated, let original = value {
            value = Array(original.prefix(truncateTo))
            headers.append(KafkaHeader(name: Header.truncatedFrom, string: String(original.count)))
        }
        return ProducerRecord(topic: topic, key: source.key, value: value, headers: headers)
    }

    /// Implements `DeadLetterSink.close`: gives unacknowledged letters a second, then destroys the producer,
    /// joining its threads. Letters not acknowledged belong to a batch that was not committed: they are sent
    /// again with it after the restart.
    public func close() {
        producer.destroy(closingWithin: .seconds(1))
    }

    private static func iso8601(milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

extension KafkaError {
    /// Whether the broker or the client refused the message for its size.
    fileprivate var isMessageTooLarge: Bool {
        rdKafkaName == "MSG_SIZE_TOO_LARGE" || rdKafkaName == "_MSG_SIZE_TOO_LARGE"
    }
}
