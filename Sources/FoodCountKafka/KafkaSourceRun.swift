import FoodCountCore
import KafkaClient

/// A run of Kafka messages as the pipeline sees it: views over librdkafka's buffers, and headers parsed
/// only for the records that are copied (dead letters).
struct KafkaSourceRun: SourceRun {
    private let run: KafkaMessageRun
    let partition: SourcePartition

    init(_ run: KafkaMessageRun) {
        self.run = run
        self.partition = SourcePartition(topic: run.topic, partition: run.partition)
    }

    var count: Int { run.count }

    func forEach(_ body: (_ index: Int, _ record: SourceRecordView) -> Void) {
        run.forEach { index, message in
            body(
                index,
                SourceRecordView(
                    offset: message.offset, key: message.key, value: message.value,
                    timestampMilliseconds: message.timestampMilliseconds))
        }
    }

    func makeRecord(at index: Int) -> SourceRecord {
        let message = run.message(at: index)
        return SourceRecord(
            partition: partition, offset: message.offset, key: message.key.map { Array($0) },
            value: message.value.map { Array($0) },
            headers: message.headers.map { SourceRecord.Header(name: $0.name, value: $0.value) },
            timestampMilliseconds: message.timestampMilliseconds)
    }
}
