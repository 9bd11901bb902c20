import FoodCountKafka

/// What `foodcount rebuild` and `foodcount offsets reset` would do, partition by partition, before they do it:
/// where each stored offset is, where it would move, and how many events the recount would read up to it.
/// Worked out from the stored offsets and the log's watermarks alone, so showing it changes nothing.
public struct RecountPlan: Sendable, Equatable {
    /// One partition's line.
    public struct Row: Sendable, Equatable {
        /// The partition.
        public var partition: Int32
        /// The stored offset now; `nil` when nothing was counted from it yet.
        public var stored: Int64?
        /// The first offset the log still holds.
        public var logStart: Int64
        /// The offset after the log's last record now.
        public var logEnd: Int64
        /// Where the recount stops.
        public var end: KafkaLogReader.End
        /// The new stored offset; `nil` when it is known only once the recount gets there (a time).
        public var newOffset: Int64?
        /// How many events the recount reads: from the log's start to the new offset (at most, when
        /// ``newOffset`` is `nil`: up to the log's end).
        public var recount: Int64
        /// Whether the new offset is past the log's end: the recount would fail there.
        public var beyondLogEnd: Bool { newOffset.map { $0 > logEnd } ?? false }
    }

    /// The partitions, in order.
    public var rows: [Row]

    /// Works the plan out.
    /// - Parameters:
    ///   - ends: Where each partition's recount stops.
    ///   - stored: The stored offsets now.
    ///   - logStarts: Each partition's first offset.
    ///   - logEnds: Each partition's end.
    public init(
        ends: [Int32: KafkaLogReader.End], stored: [Int32: Int64], logStarts: [Int32: Int64], logEnds: [Int32: Int64]
    ) {
        rows = ends.keys.sorted().map { partition in
            let start = logStarts[partition] ?? 0
            let logEnd = max(start, logEnds[partition] ?? start)
            let end = ends[partition] ?? .logEnd
            let newOffset: Int64?
            switch end {
            case .offset(let offset): newOffset = offset
            case .logEnd: newOffset = logEnd
            case .firstAt: newOffset = nil
            }
            let stop = min(newOffset ?? logEnd, logEnd)
            return Row(
                partition: partition, stored: stored[partition], logStart: start, logEnd: logEnd, end: end,
                newOffset: newOffset, recount: max(0, stop - start))
        }
    }

    /// How many events the recount reads in all (at most, where a new offset is known only then).
    public var total: Int64 { rows.reduce(0) { $0 + $1.recount } }

    /// Whether some new offset is known only once the recount gets there (a time).
    public var hasUnresolvedOffsets: Bool { rows.contains { $0.newOffset == nil } }
}
