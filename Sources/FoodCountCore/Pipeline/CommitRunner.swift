/// Runs the store commits that the pipeline hands over while it goes on polling: one at a time, each
/// settled before the next starts. The ``CommitWorker`` in production; a manual one in step tests and the
/// simulator, where the test decides when a commit ends.
package protocol CommitRunner: AnyObject {
    /// Starts committing a batch. Only one commit runs at a time: its outcome is taken before the next starts.
    func start(_ batch: CountBatch)

    /// The outcome of the commit started last: `nil` when none was started, or when it still runs and
    /// `waiting` is false (with `waiting`, it blocks until the commit is done).
    func takeOutcome(waiting: Bool) -> Result<Void, StoreError>?
}
