/// Where an assigned partition starts, as a ``PartitionListener`` decides it.
public enum PartitionStart: Sendable, Hashable {
    /// At this offset: the next record to read. `sameLog` says that the log is known to be the one the
    /// offset was stored for (its identity was stored with the offset and has not changed), so that a
    /// position past the log's end can only mean that the log lost its tail, not that it was recreated.
    case offset(Int64, sameLog: Bool = false)
    /// At the beginning of the partition's log, whatever the source's reset policy (a recreated log).
    case beginning
}
