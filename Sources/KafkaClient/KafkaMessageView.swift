import CRdKafka

/// A fetched message borrowed from librdkafka, without copying it.
///
/// A view is valid only inside the closure that receives it (see
/// ``KafkaConsumer/pollRuns(maxMessages:timeout:_:)``): its buffers belong to librdkafka and are released when
/// the closure returns. Copy what must outlive the call, or make a ``KafkaMessage`` with ``makeMessage()``.
public struct KafkaMessageView {
    private let raw: UnsafeMutablePointer<rd_kafka_message_t>
    /// The topic it was read from.
    public let topic: String

    init(raw: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        self.raw = raw
        self.topic = topic
    }

    /// The partition it was read from.
    public var partition: Int32 { raw.pointee.partition }

    /// Its offset in the partition.
    public var offset: Int64 { raw.pointee.offset }

    /// Its key, or `nil` when the key is null. Borrowed: valid only during the visit.
    public var key: UnsafeRawBufferPointer? {
        raw.pointee.key.map { UnsafeRawBufferPointer(start: $0, count: raw.pointee.key_len) }
    }

    /// Its value, or `nil` for a tombstone. Borrowed: valid only during the visit.
    public var value: UnsafeRawBufferPointer? {
        raw.pointee.payload.map { UnsafeRawBufferPointer(start: $0, count: raw.pointee.len) }
    }

    /// Its headers, in order (copied).
    public var headers: [KafkaHeader] { MessageHeaders.read(raw) }

    /// Its timestamp in milliseconds since the epoch, when the broker supplied one.
    public var timestampMilliseconds: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &type)
        return timestamp >= 0 ? timestamp : nil
    }

    /// Copies the message out of librdkafka's buffers.
    public func makeMessage() -> KafkaMessage {
        KafkaMessage(
            topic: topic, partition: partition, offset: offset, key: key.map { Array($0) },
            value: value.map { Array($0) }, headers: headers, timestampMilliseconds: timestampMilliseconds)
    }
}
