/// Where an assigned partition starts, as a ``PartitionListener`` decides it.
public enum PartitionStart: Sendable, Hashable {
    /// At this offset: the next record to read. `sameLog` says that the log is known to be the one the
    /// offset was stored for (its identity was stored with the offset and has not changed), so that a
    /// position past the log's end can only mean that the log lost its tail, not that it was recreated.
    case offset(Int64, sameLog: Bool = false)
    /// At the beginning of the partition's log, whatever the source's reset policy (a recreated log).
    case beginning
}

extension PartitionStart: CustomStringConvertible {
    /// Where a partition with a stored offset starts: at that offset, unless its log's identity changed since
    /// it was stored (a recreated topic), when it starts at the new log's beginning.
    /// - Parameters:
    ///   - stored: The next offset the store holds.
    ///   - storedLogID: The log identity stored with it, if any.
    ///   - logID: The log's identity now, if the source knows it.
    init(stored: Int64, storedLogID: String?, logID: String?) {
        if let storedLogID, let logID, storedLogID != logID {
            self = .beginning
        } else {
            self = .offset(stored, sameLog: storedLogID != nil && storedLogID == logID)
        }
    }

    /// The offset, or `beginning`, for logs.
    public var description: String {
        switch self {
        case .offset(let offset, _): String(offset)
        case .beginning: "beginning"
        }
    }
}
