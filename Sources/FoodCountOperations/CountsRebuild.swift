import FoodCountCore
import FoodCountKafka
import Foundation
import KafkaClient
import Logging
import SQLiteStore

/// Recounts a topic's retained log into a new counts database and offsets file, and swaps them in for the old
/// pair: `foodcount rebuild`, and `foodcount offsets reset --rebuild`, which stops the recount at other ends.
public enum CountsRebuild {
    /// What a rebuild did.
    public struct Outcome: Sendable {
        /// The recount the new pair holds.
        public var recount: LogRecount
        /// The new stored offsets: where the consumer continues.
        public var offsets: [Int32: Int64]
    }

    /// Builds the new pair beside the old one, then replaces the old one. Call with no consumer running and the
    /// pair's lock held (``ConsumersGuard``).
    /// - Parameters:
    ///   - files: The pair to replace.
    ///   - topic: The topic to recount.
    ///   - ends: Where each partition's recount stops; every partition of the topic must be here.
    ///   - reader: The log reader.
    ///   - logger: Where the rebuild logs.
    public static func run(
        _ files: SQLiteCountFiles, topic: String, until ends: [Int32: KafkaLogReader.End], reader: KafkaLogReader,
        logger: Logger
    ) throws -> Outcome {
        var scratch = files.configuration
        scratch.databasePath = files.configuration.databasePath + ".rebuild"
        scratch.consumerDatabasePath = files.configuration.resolvedConsumerDatabasePath + ".rebuild"
        let scratchFiles = SQLiteCountFiles(configuration: scratch)
        removeScratch(scratchFiles)
        let topicID = try reader.topicID(topic)
        let recount = try LogRecount.recount(topic, until: ends, reader: reader)
        var offsets: [SourcePartition: CountBatch.OffsetAdvance] = [:]
        for (partition, outcome) in recount.partitions {
            offsets[SourcePartition(topic: topic, partition: partition)] = .init(
                expected: nil, next: outcome.next, logID: topicID)
        }
        let events = recount.partitions.values.reduce(0) { $0 + $1.records }
        let store = try SQLiteCountStore(configuration: scratch, logger: logger)
        try store.commit(CountBatch(deltas: recount.counts, offsets: offsets, eventCount: events))
        try store.close()
        unlink(scratchFiles.lockPath)
        try files.replace(with: scratchFiles)
        logger.notice(
            "rebuilt the counts from the log",
            metadata: ["events": "\(recount.counts.values.reduce(0, +))", "invalid": "\(recount.invalid)"])
        return Outcome(recount: recount, offsets: recount.partitions.mapValues(\.next))
    }

    private static func removeScratch(_ files: SQLiteCountFiles) {
        for path in [files.configuration.databasePath, files.configuration.resolvedConsumerDatabasePath] {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
        }
        unlink(files.lockPath)
    }
}
