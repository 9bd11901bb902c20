import FoodCountCore
import FoodCountKafka
import Foundation
import KafkaClient
import Logging

/// Recounts a topic's retained log and puts the recount in place of the counts and the stored offsets:
/// `foodcount rebuild`, and `foodcount offsets reset --execute`, which stops the recount at other ends.
public enum CountsRebuild {
    /// What a rebuild did.
    public struct Outcome: Sendable {
        /// The recount the database now holds.
        public var recount: LogRecount
        /// The new stored offsets: where the consumer continues.
        public var offsets: [Int32: Int64]
    }

    /// Recounts, then replaces the database's counts and offsets. Call with no consumer running and the
    /// rewrite lock held (``ConsumersGuard``).
    /// - Parameters:
    ///   - database: The counts to replace.
    ///   - topic: The topic to recount.
    ///   - ends: Where each partition's recount stops; every partition of the topic must be here.
    ///   - reader: The log reader.
    ///   - logger: Where the rebuild logs.
    ///   - progress: Told how many records the recount read so far
    ///     (``LogRecount/recount(_:until:reader:decoder:progress:)``).
    public static func run(
        _ database: any CountsDatabase, topic: String, until ends: [Int32: KafkaLogReader.End],
        reader: KafkaLogReader, logger: Logger, progress: (_ records: Int) -> Void = { _ in }
    ) throws -> Outcome {
        let topicID = try reader.topicID(topic)
        let recount = try LogRecount.recount(topic, until: ends, reader: reader, progress: progress)
        try database.replace(with: batch(of: recount, topic: topic, topicID: topicID))
        logger.notice(
            "rebuilt the counts from the log",
            metadata: ["events": "\(recount.counts.values.reduce(0, +))", "invalid": "\(recount.invalid)"])
        return Outcome(recount: recount, offsets: recount.partitions.mapValues(\.next))
    }

    /// The batch that holds a recount over empty tables: its counts, and each partition's next offset as a
    /// first commit (no expected offset), with the topic's ID and the partition's valid events as its exact
    /// counted total.
    /// - Parameters:
    ///   - recount: The recount.
    ///   - topic: The topic recounted.
    ///   - topicID: The topic's ID, stored with the offsets.
    public static func batch(of recount: LogRecount, topic: String, topicID: String?) -> CountBatch {
        var offsets: [SourcePartition: CountBatch.OffsetAdvance] = [:]
        for (partition, outcome) in recount.partitions {
            offsets[SourcePartition(topic: topic, partition: partition)] = .init(
                expected: nil, next: outcome.next, logID: topicID, counted: recount.valid[partition] ?? 0)
        }
        let events = recount.partitions.values.reduce(0) { $0 + $1.records }
        return CountBatch(deltas: recount.counts, offsets: offsets, eventCount: events)
    }
}
