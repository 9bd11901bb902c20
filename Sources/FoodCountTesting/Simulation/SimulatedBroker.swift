import FoodCountCore

/// The simulator's model of a Kafka cluster: one topic's partitions, their logs, and the consumer groups'
/// assignments. Everything a single embedded broker cannot stage is a method here: a new leader whose high
/// watermark lags, a lagging follower that refuses a valid position, a log truncated at its tail or its
/// start, a topic deleted and created again under the same name.
///
/// Each record has an identity of its own (``SimulatedRecord/id``), so that the ledger can tell a record
/// counted twice from two records at the same offset of different logs. Single-threaded: the simulation
/// owns it.
final class SimulatedBroker {
    /// One partition's log in its current generation.
    struct Log {
        /// The records, by offset.
        var records: [SimulatedRecord] = []
        /// The first offset still held: records below were removed by retention.
        var start: Int64 = 0
        /// The generation of the topic the log belongs to (its topic ID is `topic-<generation>`).
        var generation = 0
        /// While a new leader catches up: the high watermark fetch responses report, below the real end.
        var laggingHigh: Int64?
        /// Whether producers must wait: the tail was truncated and members have not moved back yet.
        var truncatedAt: Int64?

        var end: Int64 { Int64(records.count) }
    }

    /// How a topic deleted and created again under the same name treats the members that were consuming it.
    enum RecreationMode {
        /// They lose their partitions and are not given the new ones until they rejoin (seen with librdkafka
        /// against the embedded broker).
        case membersLosePartitions
        /// They keep fetching the same partition numbers in the new log at their old positions.
        case membersKeepFetching
    }

    let topic: String
    private(set) var logs: [Log]
    private var nextRecordID: Int32 = 0
    /// Every record ever produced, by identity: its partition, generation and offset.
    private(set) var produced: [SimulatedRecord] = []
    /// Whether ListOffsets answers (false while a new leader refuses it, as Kafka's KIP-207 makes it do).
    var listOffsetsAvailable = true

    init(topic: String, partitions: Int) {
        self.topic = topic
        logs = Array(repeating: Log(), count: partitions)
    }

    /// Starts over with `partitions` empty partitions.
    func reset(partitions: Int) {
        logs = Array(repeating: Log(), count: partitions)
    }

    var partitions: [SourcePartition] {
        logs.indices.map { SourcePartition(topic: topic, partition: Int32($0)) }
    }

    func log(_ partition: SourcePartition) -> Log { logs[Int(partition.partition)] }

    func topicID(generation: Int) -> String { "topic-\(generation)" }

    /// The topic's ID now.
    var currentTopicID: String { topicID(generation: logs[0].generation) }

    /// Appends records of these categories (`nil`: a value that is not a valid event).
    func produce(_ categories: [UInt8?], to partition: SourcePartition) {
        let index = Int(partition.partition)
        guard logs[index].truncatedAt == nil else { return }
        for category in categories {
            let record = SimulatedRecord(
                id: nextRecordID, category: category, partition: partition.partition,
                generation: logs[index].generation, offset: logs[index].end)
            nextRecordID += 1
            logs[index].records.append(record)
            produced.append(record)
        }
    }

    /// A record of the current log, if it holds one at `offset`.
    func record(of partition: SourcePartition, at offset: Int64) -> SimulatedRecord? {
        let log = logs[Int(partition.partition)]
        guard offset >= log.start, offset < log.end else { return nil }
        return log.records[Int(offset)]
    }

    /// Where the log begins and ends, as a fresh ListOffsets answers (never lagging: a new leader refuses to
    /// answer until it has caught up instead).
    func bounds(of partition: SourcePartition) -> LogBounds? {
        guard listOffsetsAvailable else { return nil }
        let log = logs[Int(partition.partition)]
        return LogBounds(start: log.start, end: log.end)
    }

    /// The high watermark a fetch response reports: the end, or a lagging one after a failover.
    func reportedHigh(of partition: SourcePartition) -> Int64 {
        let log = logs[Int(partition.partition)]
        return log.laggingHigh.map { min($0, log.end) } ?? log.end
    }

    /// A leader failover: the new leader's high watermark lags by `behind` records for a while, and it
    /// refuses ListOffsets until it catches up.
    func failover(_ partition: SourcePartition, behind: Int64) {
        let index = Int(partition.partition)
        logs[index].laggingHigh = max(0, logs[index].end - behind)
        listOffsetsAvailable = false
    }

    /// The new leaders have caught up.
    func catchUp() {
        for index in logs.indices { logs[index].laggingHigh = nil }
        listOffsetsAvailable = true
    }

    /// Retention removes the records below `offset`.
    func removeRecords(of partition: SourcePartition, below offset: Int64) {
        let index = Int(partition.partition)
        logs[index].start = min(max(logs[index].start, offset), logs[index].end)
    }

    /// An unclean leader election: the log loses its records from `offset` on. Producers wait until the
    /// members have moved back (``resumeProducing(_:)``), so that every member can tell the lost records from
    /// the new ones by their offsets.
    func truncate(_ partition: SourcePartition, at offset: Int64) {
        let index = Int(partition.partition)
        guard offset < logs[index].end, offset >= logs[index].start else { return }
        logs[index].records.removeSubrange(Int(offset)...)
        logs[index].truncatedAt = offset
    }

    /// Producers may write to a truncated partition again.
    func resumeProducing(_ partition: SourcePartition) {
        logs[Int(partition.partition)].truncatedAt = nil
    }

    /// The topic is deleted and created again: every partition gets a new, empty log of a new generation.
    func recreateTopic() {
        let generation = logs[0].generation + 1
        for index in logs.indices { logs[index] = Log(generation: generation) }
    }
}

/// A record the simulated broker holds: who it is, what it counts as, where it was written.
struct SimulatedRecord: Hashable {
    /// Its identity, unique across every log of the simulation.
    let id: Int32
    /// Its category's index, or `nil` for a value that is not a valid event.
    let category: UInt8?
    /// Its partition.
    let partition: Int32
    /// The generation of the topic it was written to.
    let generation: Int
    /// Its offset in that generation's log.
    let offset: Int64
}
