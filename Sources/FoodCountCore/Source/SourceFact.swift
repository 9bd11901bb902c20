/// Something a source learned about its logs, reported to the pipeline instead of acted on: the source never
/// moves a partition by itself, the ``PipelineMachine`` decides (see `docs/design.md`, "Positions").
public enum SourceFact: Sendable, Hashable {
    /// The broker refused to serve the partition at its position (Kafka's OFFSET_OUT_OF_RANGE): the
    /// position is not in the log the broker has. The source stops fetching the partition until it is moved.
    /// Which way the log moved, and whether it did at all (a lagging replica answers this too), only a fresh
    /// look at the log's bounds tells (``EventSource/logBounds(of:)``).
    case outOfRange(SourcePartition)
    /// A fetch response said the log ends below the partition's position. This proves nothing: a new
    /// leader's high watermark lags by a replication round, a follower's lags routinely, and a cached one is
    /// stale after a move. The pipeline only checks, once per assignment, that the log is still the same one.
    case watermarkBelowPosition(SourcePartition, highWatermark: Int64, position: Int64)
    /// The identity of a subscribed topic's log now, from fresh metadata (Kafka's topic ID; `nil` when the
    /// topic does not exist). A topic deleted and created again under the same name has a new one. A source
    /// delivers no record of the topic from the moment it learns a new ID until the pipeline took the fact.
    case topicID(topic: String, id: String?)
}
