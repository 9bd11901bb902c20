/// Where a partition's next record is read from: where an assigned partition starts, or where the pipeline
/// moves it (``EventSource/seek(_:)``). Only the ``PipelineMachine`` decides it; see `docs/design.md`
/// ("Positions").
public enum PartitionStart: Sendable, Hashable {
    /// At this offset: the next record to read.
    case offset(Int64)
    /// At the beginning of the partition's log, whatever the source's reset policy (a new log).
    case beginning
}

extension PartitionStart: CustomStringConvertible {
    /// The offset, or `beginning`, for logs.
    public var description: String {
        switch self {
        case .offset(let offset): String(offset)
        case .beginning: "beginning"
        }
    }

    /// The offset, when it is one.
    var offset: Int64? {
        if case .offset(let offset) = self { return offset }
        return nil
    }
}
