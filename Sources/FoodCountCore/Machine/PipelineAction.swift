import Logging

/// What the ``PipelineMachine`` asks its executor (`CountingPipeline`) to do next. The executor does only
/// this, and tells the machine what came of it; it decides nothing.
package enum PipelineAction {
    /// Poll the source for at most `maxRecords`, blocking at most `timeout`, and count what comes.
    case poll(maxRecords: Int, timeout: Duration)
    /// Hand the batch to the commit worker; polling goes on meanwhile.
    case startCommit(CountBatch)
    /// Commit the batch to the store now, on this thread.
    case commit(CountBatch)
    /// Wait for the commit worker's outcome.
    case awaitCommit
    /// Send the pending batch's dead letters, waiting for acknowledgements at most until `until`, or until a
    /// stop at least as far as `endsWith` (an abandoning stop always ends the wait).
    case deliverDeadLetters(until: ContinuousClock.Instant, endsWith: StopLevel)
    /// Read the store's offsets and log identities of these partitions.
    case readStore([SourcePartition])
    /// Ask the source where these partitions' logs begin and end now.
    case queryLogBounds([SourcePartition])
    /// Wait (a backoff) until `until`; an abandoning stop ends the wait.
    case sleep(until: ContinuousClock.Instant)
    /// Tell the source something.
    case tellSource(SourceCommand)
    /// Record statistics, health and metrics.
    case record(PipelineRecord)
    /// Log.
    case log(PipelineLogEntry)
    /// Return from the rebalance callback in progress; for an assignment, with where each partition starts.
    case endCallback(starts: [SourcePartition: PartitionStart])
    /// Close the source (it leaves the group; its revocation comes through the listener).
    case closeSource
    /// `run()` returns.
    case finish
    /// `run()` throws this error.
    case fail(any Error)
}

extension PipelineAction {
    /// Whether the action only records or logs: nothing waits on it, and nothing outside hears of it.
    package var isBookkeeping: Bool {
        switch self {
        case .log, .record: true
        default: false
        }
    }
}

/// How far a stop has gone, as the machine knows it.
package enum StopLevel: Int, Comparable, Sendable {
    /// No stop was asked for.
    case none
    /// Flush, leave the group and return.
    case graceful
    /// As `graceful`, and give up retrying at once.
    case abandoning

    package static func < (lhs: StopLevel, rhs: StopLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What the source is told: the pipeline's own bookkeeping, and every move of a partition.
package enum SourceCommand: Equatable {
    /// Report progress to the source's own bookkeeping (Kafka's committed offsets, for lag tooling).
    case commitOffsets([SourcePartition: Int64])
    /// Stop fetching these partitions.
    case pause([SourcePartition])
    /// Fetch these partitions again.
    case resume([SourcePartition])
    /// Move partitions, for a reason (`docs/design.md`, "Positions").
    case seek([SourcePartition: PartitionStart], reason: MoveReason)
}

/// Why the machine moves a partition.
package enum MoveReason: String, Sendable {
    /// A commit was fenced: the partition continues from the offset the store holds.
    case fenced
    /// The broker confirmed that the log ends below the position: it lost its tail.
    case logTruncated = "log_truncated"
    /// The broker confirmed that the log starts above the position: retention removed records not counted.
    case logStartMoved = "log_start_moved"
    /// The broker refused the position but its log holds it: fetching resumes there.
    case outOfRangeNotConfirmed = "out_of_range_not_confirmed"
    /// A reported topic ID was not confirmed: the partition reads again what arrived while it was in doubt.
    case topicIDNotConfirmed = "topic_id_not_confirmed"
    /// The topic was deleted and created again: the partition continues at its new log's beginning.
    case newLog = "topic_recreated"
}

/// A log line the machine asks for: its level, message and metadata.
package struct PipelineLogEntry {
    package var level: Logger.Level
    package var message: Logger.Message
    package var metadata: Logger.Metadata

    package init(_ level: Logger.Level, _ message: Logger.Message, _ metadata: Logger.Metadata = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}
