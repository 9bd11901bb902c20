import FoodCountCore

/// The live counts against a recount of the log up to the stored offsets.
public struct CountsAudit: Sendable {
    /// One category whose live count is not what the log holds.
    public struct Difference: Sendable, Equatable {
        /// The category.
        public var category: String
        /// What the counts table holds.
        public var live: Int64
        /// What the log holds.
        public var recounted: Int64

        /// Creates a difference.
        public init(category: String, live: Int64, recounted: Int64) {
            self.category = category
            self.live = live
            self.recounted = recounted
        }
    }

    /// One partition's stored counted total against the valid events its log holds before the stored offset.
    public struct PartitionCheck: Sendable, Equatable {
        /// How the two compare.
        public enum Outcome: Sendable, Equatable {
            /// The stored total is the log's valid events before the stored offset.
            case equal
            /// They differ: the counts hold more or fewer of the partition's events than the log has before
            /// the stored offset (an offset moved back or forward behind the consumer, a lost commit).
            case different
            /// The store does not know the total: the partition was counted before the store kept totals.
            case unknown
            /// Retention deleted the start of the partition's log (it starts at this offset): the events
            /// counted from the deleted records cannot be recounted, so the total cannot be compared.
            case truncated(logStart: Int64)
        }

        /// The partition's topic.
        public var topic: String
        /// The partition.
        public var partition: Int32
        /// The stored next offset.
        public var offset: Int64
        /// The stored counted total, `nil` when unknown.
        public var counted: Int64?
        /// The valid events the log holds before the stored offset.
        public var inLog: Int64
        /// The outcome.
        public var outcome: Outcome

        /// Creates a check.
        public init(
            topic: String = "", partition: Int32, offset: Int64, counted: Int64?, inLog: Int64, outcome: Outcome
        ) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
            self.counted = counted
            self.inLog = inLog
            self.outcome = outcome
        }

        /// The line the audit reports for the partition, e.g. `partition 0: offset 7435 but 7535 counted (the
        /// log holds 7435 valid events before offset 7435)`.
        public var summary: String {
            let log = "the log holds \(inLog) valid events before offset \(offset)"
            switch outcome {
            case .equal:
                return "partition \(partition): offset \(offset), \(counted ?? 0) counted (\(log))"
            case .different:
                return "partition \(partition): offset \(offset) but \(counted ?? 0) counted (\(log))"
            case .unknown:
                return "partition \(partition): offset \(offset), counted total unknown (counted before totals were "
                    + "kept; a rebuild records it), so it cannot be compared (\(log))"
            case .truncated(let logStart):
                return "partition \(partition): offset \(offset), \(counted.map { "\($0)" } ?? "unknown") counted; "
                    + "not comparable: the log starts at offset \(logStart) (retention deleted the records before it)"
            }
        }
    }

    /// The outcome.
    public enum Verdict: Sendable, Equatable {
        /// The counts are exactly what the log holds up to the stored offsets.
        case equal
        /// Some categories, or some partitions' counted totals, differ.
        case different
        /// Retention deleted records the counts may hold, and nothing that can still be checked differs.
        case incomplete
    }

    /// The categories that differ, sorted by category.
    public let differences: [Difference]
    /// Partitions whose log starts after offset 0, with their first offset.
    public let truncated: [Int32: Int64]
    /// How many events the live counts hold.
    public let liveTotal: Int64
    /// How many events the recount found.
    public let recountedTotal: Int64
    /// Every stored partition the recount read: its stored counted total against the
    /// valid events its log holds before the stored offset.
    public let partitions: [PartitionCheck]

    /// The partitions whose stored counted total differs from the log: they say where the counts and the log
    /// disagree.
    public var partitionDifferences: [PartitionCheck] { partitions.filter { $0.outcome == .different } }

    /// Compares.
    /// - Parameters:
    ///   - live: The counts table.
    ///   - recount: The recount of the log up to the stored offsets.
    ///   - stored: The stored offsets the recount stopped at, with their counted totals (the snapshot's rows of
    ///     the audited group); partitions the recount did not read are left out.
    public init(live: [String: Int64], recount: LogRecount, stored: [CountsSnapshot.StoredOffset] = []) {
        self.init(live: live, recount: recount, partitions: Self.checks(of: recount, stored: stored))
    }

    /// An audit of several topics: `recount` merges their recounts, and `partitions` holds each topic's
    /// ``checks(of:stored:)`` (a recount knows partitions by number, so checks are made topic by topic).
    public init(live: [String: Int64], recount: LogRecount, partitions: [PartitionCheck]) {
        truncated = recount.truncatedPartitions
        self.partitions = partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        liveTotal = live.values.reduce(0, +)
        recountedTotal = recount.counts.values.reduce(0, +)
        var differences: [Difference] = []
        for category in Set(live.keys).union(recount.counts.keys) {
            let counted = live[category] ?? 0
            let recounted = recount.counts[category] ?? 0
            // With a truncated log, a live count above the recount may be the deleted records: not provably wrong.
            let provable = truncated.isEmpty || counted < recounted
            if counted != recounted, provable {
                differences.append(Difference(category: category, live: counted, recounted: recounted))
            }
        }
        self.differences = differences.sorted { $0.category < $1.category }
    }

    /// One topic's partition checks: each stored row of the topic that the recount read, its counted total
    /// against the valid events the recount found before the stored offset.
    /// - Parameters:
    ///   - recount: The recount of one topic.
    ///   - stored: That topic's stored rows of the audited group.
    public static func checks(of recount: LogRecount, stored: [CountsSnapshot.StoredOffset]) -> [PartitionCheck] {
        var partitions: [PartitionCheck] = []
        for row in stored where recount.partitions[row.partition.partition] != nil {
            let number = row.partition.partition
            let inLog = recount.valid[number] ?? 0
            let outcome: PartitionCheck.Outcome
            if let logStart = recount.truncatedPartitions[number] {
                outcome = .truncated(logStart: logStart)
            } else if let counted = row.counted {
                outcome = counted == inLog ? .equal : .different
            } else {
                outcome = .unknown
            }
            partitions.append(
                PartitionCheck(
                    topic: row.partition.topic, partition: number, offset: row.next, counted: row.counted, inLog: inLog,
                    outcome: outcome))
        }
        return partitions
    }

    /// The verdict.
    public var verdict: Verdict {
        if !differences.isEmpty || !partitionDifferences.isEmpty { return .different }
        return truncated.isEmpty ? .equal : .incomplete
    }
}
