import FoodCountCore
import FoodCountKafka
import KafkaClient

/// The counts a topic's log holds from its beginning up to chosen ends: every record decoded with the
/// consumer's decoder, the valid ones counted by category (invalid ones are never counted, as the consumer
/// does).
public struct LogRecount: Sendable {
    /// The counts by category.
    public var counts: [String: Int64] = [:]
    /// What each partition's reading saw.
    public var partitions: [Int32: KafkaLogReader.Outcome] = [:]
    /// How many records could not be counted.
    public var invalid = 0
    /// How many valid events (counted by category) each partition holds before its end: what the
    /// partition's counted total (`StoredPosition.counted`) must be.
    public var valid: [Int32: Int64] = [:]

    /// How many records a recount reads between two calls of its `progress`.
    public static let progressStep = 1_000

    /// An empty recount, to merge recounts of several topics into.
    public init() {}

    /// The partitions whose log no longer starts at offset 0: retention deleted records the counts may hold.
    public var truncatedPartitions: [Int32: Int64] {
        partitions.compactMapValues { outcome in (outcome.logStart ?? 0) > 0 ? outcome.logStart : nil }
    }

    /// Recounts a topic.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - ends: Where each partition's recount stops.
    ///   - reader: The log reader.
    ///   - decoder: The consumer's decoder.
    ///   - progress: Told how many records were read so far, every ``progressStep`` records (for
    ///     ``RecountProgress``).
    public static func recount(
        _ topic: String, until ends: [Int32: KafkaLogReader.End], reader: KafkaLogReader,
        decoder: some EventDecoder = JSONEventDecoder(), progress: (_ records: Int) -> Void = { _ in }
    ) throws(KafkaError) -> LogRecount {
        var recount = LogRecount()
        var records = 0
        recount.partitions = try reader.read(topic, until: ends) { partition, _, value in
            records += 1
            if records % progressStep == 0 { progress(records) }
            do {
                recount.counts[try decoder.decode(value).category, default: 0] += 1
                recount.valid[partition, default: 0] += 1
            } catch {
                recount.invalid += 1
            }
        }
        return recount
    }
}
