import Dispatch
import Synchronization

/// Runs the store's commits one at a time off the pipeline thread, so that the pipeline polls and counts
/// the next batch while SQLite syncs the last one, and holds the batch in flight until its outcome is taken.
/// See `docs/design.md` ("Overlapped commits").
///
/// Not the cooperative pool: commits block on I/O, so they run on a serial dispatch queue of their own.
/// Everything except the work item itself is called from the pipeline thread (asserted in debug builds).
final class CommitWorker: @unchecked Sendable {
    /// A batch handed to the worker.
    struct Commit {
        /// Its records, taken back into the pending batch if the commit fails.
        var pending: PendingBatch
        /// What the store was asked to write.
        var batch: CountBatch
        /// When its flush began (dead letters included).
        var started: ContinuousClock.Instant
    }

    private let store: any CountStore
    private let queue = DispatchQueue(label: "foodcount.pipeline.commit")
    private let finished = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<Void, StoreError>?>(nil)
    private let onFinish: @Sendable () -> Void
    private let confinement: ThreadConfinement
    /// The commit started and not taken yet. Pipeline thread only.
    private var current: Commit?

    /// Creates a worker.
    /// - Parameters:
    ///   - store: Where batches are committed.
    ///   - confinement: The pipeline thread's check.
    ///   - onFinish: Called on the worker's thread after each commit, to wake the pipeline's poll.
    init(store: any CountStore, confinement: ThreadConfinement, onFinish: @escaping @Sendable () -> Void) {
        self.store = store
        self.confinement = confinement
        self.onFinish = onFinish
    }

    /// The commit in flight, if any: its records still count as read.
    var inFlight: Commit? {
        confinement.assertConfined("commit worker")
        return current
    }

    /// Starts committing a batch. Only one commit runs at a time: take the last one's outcome first.
    func start(_ commit: Commit) {
        confinement.assertConfined("commit worker")
        precondition(current == nil, "a commit is already in flight")
        current = commit
        let batch = commit.batch
        queue.async { self.commit(batch) }
    }

    private func commit(_ batch: CountBatch) {
        let result: Result<Void, StoreError>
        do throws(StoreError) {
            try store.commit(batch)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
        onFinish()  // before the signal: once the pipeline has the outcome, the worker touches nothing of it
        finished.signal()
    }

    /// The commit in flight and its outcome; `nil` when none was started, or when it still runs and
    /// `waiting` is false.
    func takeOutcome(waiting: Bool) -> (commit: Commit, result: Result<Void, StoreError>)? {
        confinement.assertConfined("commit worker")
        guard let commit = current else { return nil }
        if waiting {
            finished.wait()
        } else if finished.wait(timeout: .now()) == .timedOut {
            return nil
        }
        current = nil
        let result = outcome.withLock { value in
            defer { value = nil }
            return value!
        }
        return (commit, result)
    }
}
