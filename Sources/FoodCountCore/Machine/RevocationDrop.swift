import Logging

/// Why the pending work of revoked partitions is dropped instead of committed before they go. A revocation
/// commits the work first, unless the assignment was lost or the pipeline failed; work that cannot be
/// committed within the revocation's budget is dropped too. Dropped work was not stored, so it is read again.
enum RevocationDrop: Equatable {
    /// The assignment was lost: another member may own the partitions already, and counts the work from the
    /// stored offsets.
    case lost
    /// The pipeline failed: it commits nothing more.
    case pipelineFailed
    /// Commits kept failing for the revocation's budget: the next owner reads the work again.
    case notCommitted

    /// Why a revocation drops the work without trying to commit it; `nil` when it commits it first.
    init?(lost: Bool, pipelineFailed: Bool) {
        guard lost || pipelineFailed else { return nil }
        self = lost ? .lost : .pipelineFailed
    }

    /// What the log says of it.
    var message: Logger.Message {
        switch self {
        case .lost:
            "assignment lost; dropping pending work"
        case .pipelineFailed:
            "the pipeline failed; dropping pending work of revoked partitions"
        case .notCommitted:
            "cannot commit before the partitions go; their pending work is dropped and will be read again by the next owner"
        }
    }
}
