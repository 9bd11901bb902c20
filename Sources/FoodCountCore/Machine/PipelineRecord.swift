/// What the machine asks to be recorded: each case is one event that updates statistics, health and metrics
/// together (``PipelineRecorder``).
package enum PipelineRecord: Equatable {
    /// How the member's partitions changed.
    package enum Rebalance: Equatable {
        case assigned, revoked, lost
    }

    /// Why a partition's position moved other than by counting (`foodcount_log_resets_total{reason}`).
    package enum LogReset: String, Equatable {
        /// A new log under the same topic name (a changed topic ID): counted from its beginning.
        case topicRecreated = "topic_recreated"
        /// The broker confirmed that the log ends below the position.
        case logTruncated = "log_truncated"
        /// The broker confirmed that the log starts above the position: records were removed uncounted.
        case logStartMoved = "log_start_moved"
        /// The broker refused a position (OFFSET_OUT_OF_RANGE), whatever came of it.
        case offsetOutOfRange = "offset_out_of_range"
    }

    /// A batch was committed: `events` records, `counted` of them counted, in `duration`.
    case committed(events: Int, counted: Int, duration: Duration)
    /// A commit failed in the store.
    case storeFailed(StoreError)
    /// A failed attempt will be retried; `budgetExhausted` when failures just outlasted the retry budget.
    case retrying(budgetExhausted: Bool)
    /// Failed commits left nothing to commit: consumption no longer waits for the store.
    case failuresOutlived
    /// A commit was fenced.
    case fenced
    /// Partitions were assigned, revoked or lost; the member owns `owned` now.
    case rebalanced(Rebalance, owned: Int)
    /// A partition's position moved for a reason of its log.
    case logReset(LogReset)
    /// Records of a partition were removed from its log before they were counted: `from..<to`.
    case skipped(SourcePartition, from: Int64, to: Int64)
    /// The pending work of these partitions was dropped, uncommitted: it is read again, or gone with its log.
    case pendingDropped([SourcePartition])
    /// Records below their partition's position arrived again and were not counted.
    case duplicatesDropped(Int)
    /// A subscribed topic was recreated; this member moves its partitions to the new logs once the work read
    /// from the old ones is committed (`topic` set), or it has (`nil`).
    case awaitingRecreatedTopic(String?)
}
