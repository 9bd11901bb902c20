/// When the pending batch commits, how long a poll may block, and how much it may take: the batching
/// decisions of the ``PipelineMachine``, as pure logic. It reads no clock: every call that depends on time
/// is given the instant.
///
/// Its state is one enum and every transition is a method of this type, so that the rules are read (and
/// tested, without threads or sleeps) in one place. See `docs/design.md` ("The flush schedule").
struct FlushSchedule {
    typealias Instant = ContinuousClock.Instant

    /// Where the commits stand.
    enum State: Equatable {
        /// No commit in flight, and the last one succeeded: the next commits when a rule makes it due.
        case ready
        /// A commit runs on the worker. `pendingDue`: the pending batch became due meanwhile, and keeps filling
        /// (below ``Rules/maxPendingEvents``) until that commit is done.
        case committing(pendingDue: Bool)
        /// The commit in flight is done and the pending batch became due during it: it commits next, even if
        /// the rule that made it due no longer holds (a trickle of records ends "caught up").
        case due
        /// Commits fail: the next attempt is synchronous, at `nextAttempt`.
        case failing(Failing)
    }

    /// A run of failed commits.
    struct Failing: Equatable {
        /// When the first of them failed.
        var since: Instant
        /// How many failed.
        var attempts: Int
        /// When the next attempt is due.
        var nextAttempt: Instant
        /// Whether they have failed for longer than the retry budget (consumption pauses).
        var budgetExhausted: Bool
    }

    /// What the loop does now about the pending batch.
    enum Action: Equatable {
        /// Nothing: keep polling.
        case poll
        /// Hand the pending batch to the commit worker.
        case commit
        /// Wait for the commit in flight, then hand the pending batch over: it reached
        /// ``Rules/maxPendingEvents``.
        case awaitCommitThenCommit
        /// Retry the failing commit, synchronously.
        case retry
    }

    /// The batching rules, from the pipeline's configuration.
    struct Rules: Equatable {
        var maxBatchEvents: Int
        var maxPendingEvents: Int
        var maxBatchDelay: Duration
        var idleFlushDelay: Duration?
        var pollTimeout: Duration
        var pollBatchSize: Int
        var retry: RetryPolicy
        var retryBudget: Duration

        init(_ configuration: CountingPipeline.Configuration) {
            maxBatchEvents = configuration.maxBatchEvents
            maxPendingEvents = configuration.maxPendingEvents
            maxBatchDelay = configuration.maxBatchDelay
            idleFlushDelay = configuration.idleFlushDelay
            pollTimeout = configuration.pollTimeout
            pollBatchSize = configuration.pollBatchSize
            retry = configuration.retry
            retryBudget = configuration.retryBudget
        }
    }

    /// The pending batch, as far as the schedule needs it.
    struct Pending {
        /// How many records it holds, counted or not.
        var records: Int
        /// When its first record arrived.
        var started: Instant?
    }

    /// A poll that a commit in flight allows to block: the worker wakes the poll when it is done, but
    /// librdkafka drops a wakeup that lands while the poll is not waiting.
    static var committingPollTimeout: Duration { .milliseconds(5) }

    let rules: Rules
    /// Where the commits stand.
    private(set) var state = State.ready
    /// When the last commit began, which spaces out the commits of a stream that keeps pausing.
    private var lastCommitStart: Instant?
    /// Whether the last poll waited out the idle delay and brought nothing.
    private(set) var sourceIdle = false
    /// Whether the source had read every owned partition to its end after the last poll.
    private(set) var sourceCaughtUp = false
    /// Creates a schedule in state ``State/ready``.
    init(rules: Rules) {
        self.rules = rules
    }

    /// Whether commits are failing, so that they run synchronously with backoff.
    var isFailing: Bool {
        if case .failing = state { return true }
        return false
    }

    /// Whether a commit is in flight on the worker.
    var isCommitting: Bool {
        if case .committing = state { return true }
        return false
    }

    // MARK: Decisions

    /// What to do about the pending batch now. A batch that becomes due while a commit is in flight keeps
    /// filling up to ``Rules/maxPendingEvents``, and is remembered as due.
    mutating func decide(_ pending: Pending, now: Instant) -> Action {
        guard pending.records > 0 else {
            if state == .due { state = .ready }  // a fenced commit can leave nothing to commit
            return .poll
        }
        switch state {
        case .failing(let failing):
            return now >= failing.nextAttempt ? .retry : .poll
        case .due:
            return .commit
        case .ready:
            return isDueByRule(pending, now: now) ? .commit : .poll
        case .committing(let pendingDue):
            guard pendingDue || isDueByRule(pending, now: now) else { return .poll }
            guard pending.records >= rules.maxPendingEvents else {
                state = .committing(pendingDue: true)
                return .poll
            }
            return .awaitCommitThenCommit
        }
    }

    /// How long the next poll may block: until the pending batch is due, or a retry is.
    func pollTimeout(_ pending: Pending, now: Instant) -> Duration {
        switch state {
        case .committing:
            return Self.committingPollTimeout
        case .due:
            return .zero
        case .failing(let failing):
            guard pending.records > 0 else { return rules.pollTimeout }
            return clamp(now.duration(to: failing.nextAttempt))
        case .ready:
            guard pending.records > 0, let started = pending.started else { return rules.pollTimeout }
            let aged = now.duration(to: started.advanced(by: rules.maxBatchDelay))
            let paused = caughtUpWait(now: now) ?? rules.idleFlushDelay ?? rules.pollTimeout
            return clamp(min(aged, paused))
        }
    }

    /// How many records the next poll may bring: while a commit is in flight, no more than the pending batch
    /// may still take.
    func pollLimit(_ pending: Pending) -> Int {
        guard isCommitting else { return rules.pollBatchSize }
        return max(1, min(rules.pollBatchSize, rules.maxPendingEvents - pending.records))
    }

    /// Whether a failing store holds a full batch, so that consumption should pause until it commits.
    func shouldPauseForFullBatch(_ pending: Pending) -> Bool {
        isFailing && pending.records >= rules.maxBatchEvents
    }

    private func isDueByRule(_ pending: Pending, now: Instant) -> Bool {
        guard let started = pending.started else { return false }
        return pending.records >= rules.maxBatchEvents
            || started.duration(to: now) >= rules.maxBatchDelay
            || (sourceIdle && rules.idleFlushDelay != nil)
            || caughtUpWait(now: now) == .zero
    }

    /// How long until the pending batch may commit because the source is caught up (`nil`: not caught up,
    /// or the rule is off). The starts of a caught-up stream's commits are spaced by `idleFlushDelay` at
    /// least, so that a stream that keeps pausing for a moment is not committed after every fetch, and
    /// commits slower than that follow each other without a gap.
    private func caughtUpWait(now: Instant) -> Duration? {
        guard sourceCaughtUp, let spacing = rules.idleFlushDelay else { return nil }
        guard let lastCommitStart else { return .zero }
        return max(.zero, now.duration(to: lastCommitStart.advanced(by: spacing)))
    }

    private func clamp(_ wait: Duration) -> Duration { max(.zero, min(rules.pollTimeout, wait)) }

    // MARK: Transitions

    /// A poll that began at `began` visited `visited` records; the source now says whether it is caught up.
    /// An empty poll is idle only if it waited the whole idle delay: one woken early (by the commit worker,
    /// or a stop) says nothing about the stream.
    mutating func pollEnded(visited: Int, began: Instant, caughtUp: Bool, now: Instant) {
        sourceCaughtUp = caughtUp
        guard visited == 0, let idle = rules.idleFlushDelay else {
            sourceIdle = false
            return
        }
        let wait = min(idle, rules.pollTimeout) - .milliseconds(1)  // timers may fire a hair early
        sourceIdle = began.duration(to: now) >= wait
    }

    /// A commit began: on the worker (`inBackground`), or synchronously on the pipeline's thread.
    mutating func commitBegan(inBackground: Bool, now: Instant) {
        precondition(!isCommitting, "one commit in flight at a time")
        lastCommitStart = now
        if inBackground { state = .committing(pendingDue: false) }
    }

    /// The commit in flight, or a synchronous one, was written, or fenced (which is no store failure).
    /// - Returns: Whether commits were failing until now (they recovered).
    @discardableResult
    mutating func commitSucceeded() -> Bool {
        switch state {
        case .committing(let pendingDue):
            state = pendingDue ? .due : .ready
            return false
        case .failing:
            state = .ready
            return true
        case .ready, .due:
            state = .ready
            return false
        }
    }

    /// A commit failed transiently: the next attempt waits for the retry policy's backoff.
    /// - Parameters:
    ///   - now: When it failed.
    ///   - jitter: A number in 0..<1 for the retry policy's jitter.
    /// - Returns: The delay until the next attempt, and whether the failures have just outlasted the retry
    ///   budget (consumption pauses then, once).
    mutating func commitFailed(now: Instant, jitter: Double) -> (delay: Duration, budgetNewlyExhausted: Bool) {
        var failing = Failing(since: now, attempts: 0, nextAttempt: now, budgetExhausted: false)
        if case .failing(let previous) = state { failing = previous }
        failing.attempts += 1
        let delay = rules.retry.delay(attempt: failing.attempts, random: jitter)
        failing.nextAttempt = now.advanced(by: delay)
        let exhausted = !failing.budgetExhausted && failing.since.duration(to: now) >= rules.retryBudget
        failing.budgetExhausted = failing.budgetExhausted || exhausted
        state = .failing(failing)
        return (delay, exhausted)
    }
}
