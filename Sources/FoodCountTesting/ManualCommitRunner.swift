import FoodCountCore

/// Runs a pipeline's background commits when a test (or the simulator) says so, instead of on a thread: a
/// commit started by the pipeline stays in flight until ``finish(with:)``, or, when it is not held, is
/// written to the store at once. When the pipeline waits for the commit in flight, ``onWait`` decides its
/// outcome (by default, the store's answer).
public final class ManualCommitRunner: CommitRunner, @unchecked Sendable {
    private let store: any CountStore
    /// Whether started commits stay in flight until ``finish(with:)``.
    public var holds: Bool
    /// The outcome of a commit the pipeline waits for; `nil` (or an answer of `nil`) writes it to the store.
    public var onWait: ((CountBatch) -> Result<Void, StoreError>?)?
    private var current: CountBatch?
    private var outcome: Result<Void, StoreError>?
    /// How many commits were started.
    public private(set) var started = 0

    /// Creates a runner over a store.
    /// - Parameters:
    ///   - store: Where commits are written.
    ///   - holds: Whether started commits stay in flight until ``finish(with:)``.
    public init(store: any CountStore, holds: Bool = false) {
        self.store = store
        self.holds = holds
    }

    /// The batch in flight, if any.
    public var inFlight: CountBatch? { outcome == nil ? current : nil }

    /// Ends the commit in flight: with `result`, or (`nil`) with the store's answer.
    public func finish(with result: Result<Void, StoreError>? = nil) {
        guard let batch = current, outcome == nil else { return }
        outcome = result ?? write(batch)
    }

    package func start(_ batch: CountBatch) {
        precondition(current == nil, "a commit is already in flight")
        current = batch
        outcome = nil
        started += 1
        if !holds { outcome = write(batch) }
    }

    package func takeOutcome(waiting: Bool) -> Result<Void, StoreError>? {
        guard let batch = current else { return nil }
        if outcome == nil, waiting { outcome = onWait.flatMap { $0(batch) } ?? write(batch) }
        guard let result = outcome else { return nil }
        current = nil
        outcome = nil
        return result
    }

    private func write(_ batch: CountBatch) -> Result<Void, StoreError> {
        Result { () throws(StoreError) in try store.commit(batch) }
    }
}
