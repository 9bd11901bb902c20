import CRdKafka

/// Consecutive messages of one partition, in offset order, borrowed from librdkafka for one visit (see
/// ``KafkaConsumer/pollRuns(maxMessages:timeout:_:)``). Valid only inside the closure that receives it.
public struct KafkaMessageRun {
    /// The topic of every message in the run.
    public let topic: String
    /// The partition of every message in the run.
    public let partition: Int32
    private let messages: UnsafeBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>?>

    init(topic: String, partition: Int32, messages: UnsafeBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>?>) {
        self.topic = topic
        self.partition = partition
        self.messages = messages
    }

    /// How many messages the run holds.
    public var count: Int { messages.count }

    /// Lends each message in order, with its index in the run.
    /// - Parameter body: Receives each index and message; the view is valid only during the visit.
    public func forEach(_ body: (_ index: Int, _ message: KafkaMessageView) -> Void) {
        for index in 0..<messages.count { body(index, message(at: index)) }
    }

    /// One message of the run, borrowed like the run.
    /// - Parameter index: Its index in the run, `0..<count`.
    public func message(at index: Int) -> KafkaMessageView {
        KafkaMessageView(raw: messages[index]!, topic: topic)
    }
}
