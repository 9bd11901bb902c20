import Dispatch
import Synchronization

/// Runs the store's commits one at a time off the pipeline thread, so that the pipeline polls and counts
/// the next batch while SQLite syncs the last one. See `docs/design.md` ("Overlapped commits").
///
/// Not the cooperative pool: commits block on I/O, so they run on a serial dispatch queue of their own.
/// Everything except the work item itself is called from the pipeline thread.
final class CommitWorker: @unchecked Sendable {
    private let store: any CountStore
    private let queue = DispatchQueue(label: "foodcount.pipeline.commit")
    private let finished = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<Void, StoreError>?>(nil)
    private let onFinish: @Sendable () -> Void
    /// Whether a commit was started and its outcome not taken yet. Pipeline thread only.
    private(set) var isBusy = false

    /// Creates a worker.
    /// - Parameters:
    ///   - store: Where batches are committed.
    ///   - onFinish: Called on the worker's thread after each commit, to wake the pipeline's poll.
    init(store: any CountStore, onFinish: @escaping @Sendable () -> Void) {
        self.store = store
        self.onFinish = onFinish
    }

    /// Starts committing a batch. Only one commit runs at a time: take the last one's outcome first.
    func start(_ batch: CountBatch) {
        precondition(!isBusy, "a commit is already in flight")
        isBusy = true
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

    /// The outcome of the commit in flight; `nil` when none was started, or when it still runs and
    /// `waiting` is false.
    func takeOutcome(waiting: Bool) -> Result<Void, StoreError>? {
        guard isBusy else { return nil }
        if waiting {
            finished.wait()
        } else if finished.wait(timeout: .now()) == .timedOut {
            return nil
        }
        isBusy = false
        return outcome.withLock { value in
            defer { value = nil }
            return value
        }
    }
}
