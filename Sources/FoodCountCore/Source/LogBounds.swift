/// Where a partition's log begins and ends, and which log it is, as the broker answers a fresh query
/// (Kafka's ListOffsets, and the topic's ID from its metadata).
public struct LogBounds: Sendable, Hashable, CustomStringConvertible {
    /// The first offset the log still holds: records below it were removed (retention).
    public var start: Int64
    /// The offset the next record written will get (the high watermark).
    public var end: Int64
    /// The log's identity (Kafka's topic ID), when the source knows it.
    public var logID: String?

    /// Creates bounds.
    public init(start: Int64, end: Int64, logID: String? = nil) {
        self.start = start
        self.end = end
        self.logID = logID
    }

    /// `start..<end`, and the identity, for logs.
    public var description: String { "\(start)..<\(end)" + (logID.map { " of \($0)" } ?? "") }
}

/// A source that cannot say where its logs begin and end.
public struct LogBoundsUnavailable: Error, CustomStringConvertible {
    /// Creates the error.
    public init() {}
    /// What it means.
    public var description: String { "this source cannot say where its logs begin and end" }
}
