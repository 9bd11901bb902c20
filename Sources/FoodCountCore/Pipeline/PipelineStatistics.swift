/// Counters describing what a pipeline has done so far.
public struct PipelineStatistics: Sendable, Equatable {
    /// Records returned by the source.
    public var recordsPolled = 0
    /// Events counted and committed.
    public var eventsCommitted = 0
    /// Records that failed to decode and were skipped.
    public var eventsInvalid = 0
    /// Records the dead-letter sink acknowledged.
    public var deadLettered = 0
    /// Dead-letter writes that failed and will be retried.
    public var deadLetterFailures = 0
    /// Records dropped because their partition was not owned by this member.
    public var recordsDropped = 0
    /// Successful store commits.
    public var flushes = 0
    /// Commit attempts (dead letters or store) that failed and were retried.
    public var flushRetries = 0
    /// Batches refused because another member had moved on.
    public var batchesFenced = 0
    /// Records removed from their log (retention) before they were counted, so skipped.
    public var eventsSkipped = 0
    /// Records that arrived again below their partition's position, and were not counted again.
    public var duplicatesDropped = 0
    /// The partitions owned now.
    public var assignedPartitions = 0

    /// Creates zeroed statistics.
    public init() {}
}
