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

    /// The outcome.
    public enum Verdict: Sendable, Equatable {
        /// The counts are exactly what the log holds up to the stored offsets.
        case equal
        /// Some categories differ.
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

    /// Compares.
    /// - Parameters:
    ///   - live: The counts table.
    ///   - recount: The recount of the log up to the stored offsets.
    public init(live: [String: Int64], recount: LogRecount) {
        truncated = recount.truncatedPartitions
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

    /// The verdict.
    public var verdict: Verdict {
        if !differences.isEmpty { return .different }
        return truncated.isEmpty ? .equal : .incomplete
    }
}
