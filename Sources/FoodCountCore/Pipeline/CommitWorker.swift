import Dispatch
import Synchronization

/// Runs the store's commits one at a time off the pipeline thread, so that the pipeline polls and counts
/// the next batch while SQLite syncs the last one. See `docs/design.md` ("Overlapped commits").
///
/// Not the cooperative pool: commits block on I/O, so they run on a serial dispatch queue of their own.
/// Everything except the work item itself is called from the pipeline thread (asserted in debug builds).
final class CommitWorker: CommitRunner, @unchecked Sendable {
    private let store: any CountStore
    private let queue = DispatchQueue(label: "foodcount.pipeline.commit")
    private let finished = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<Void, StoreError>?>(nil)
    private let onFinish: @Sendable () -> Void
    private let confinement: ThreadConfinement
    /// Whether a commit was started and its outcome not taken yet. Pipeline thread only.
    private var running = false

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

    /// Implements ``CommitRunner/start(_:)``.
    func start(_ batch: CountBatch) {
        confinement.assertConfined("commit worker")
        precondition(!running, "a commit is already in flight")
        running = true
        queue.async { self.commit(batch) }
    }

    private func commit(_ batch: CountBatch) {
        let result = Result { () throws(StoreError) in try store.commit(batch) }
        outcome.withLock { $0 = result }
        onFinish()  // before the signal: once the pipeline has the outcome, the worker touches nothing of it
        finished.signal()
    }

    /// Implements ``CommitRunner/takeOutcome(waiting:)``.
    func takeOutcome(waiting: Bool) -> Result<Void, StoreError>? {
        confinement.assertConfined("commit worker")
        guard running else { return nil }
        if waiting {
            finished.wait()
        } else if finished.wait(timeout: .now()) == .timedOut {
            return nil
        }
        running = false
        return outcome.withLock { value in
            defer { value = nil }
            return value
        }
    }
}
