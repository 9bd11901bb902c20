import Logging

/// Every decision of the counting pipeline, as one pure value: events in, actions out, the time passed in.
///
/// It owns the pending batch, the commit in flight, the partitions (``Ownership``) with their positions, and
/// the flush schedule (``FlushSchedule``). It does no I/O, takes no lock and reads no clock: the executor
/// (`CountingPipeline`) asks it for the ``nextAction(now:)``, carries the action out, and tells it what came
/// of it through the event methods. So every rule is tested by stepping it (`PipelinePositionsTests` and the `CountingPipeline*Tests`),
/// and the simulator (`FoodCountTesting`) drives it through schedules no broker can stage. The rules, one
/// per row with the test that holds each, are the tables in `docs/design.md` ("The pipeline machine",
/// "Positions").
package struct PipelineMachine {
    package typealias Instant = ContinuousClock.Instant

    /// What the machine takes from the pipeline's configuration.
    package struct Settings: Sendable {
        var flush: FlushSchedule.Rules
        var retry: RetryPolicy
        var revocationBudget: Duration
        var shutdownBudget: Duration
        var deadLetterTimeout: Duration
        var onNewLog: CountingPipeline.NewLogPolicy
        var errorTolerance: CountingPipeline.ErrorTolerance

        package init(_ configuration: CountingPipeline.Configuration) {
            flush = .init(configuration)
            retry = configuration.retry
            revocationBudget = configuration.revocationRetryBudget
            shutdownBudget = configuration.shutdownRetryBudget
            deadLetterTimeout = configuration.deadLetterTimeout
            onNewLog = configuration.onNewLog
            errorTolerance = configuration.errorTolerance
        }
    }

    /// Where the pipeline's life stands.
    enum Phase: Equatable {
        /// Polling, counting, committing.
        case running
        /// A stop was asked for: the pending batch is flushed within the shutdown budget.
        case stopping
        /// The source is closing.
        case closing
        /// Closed: `run()` returns.
        case finished
        /// Failed (``failure``): the commit in flight is settled, nothing more is committed, the source closes,
        /// and `run()` throws.
        case failed
    }

    /// A rebalance callback in progress, inside a poll: it must end before the poll goes on.
    enum Callback {
        /// Partitions were assigned; their stored offsets are read, then where each starts is returned.
        case assigning(partitions: [SourcePartition], logIDs: [SourcePartition: String])
        /// Partitions are revoked; their work is committed first unless it is dropped (`drop`).
        case revoking(partitions: [SourcePartition], drop: RevocationDrop?)
    }

    /// A commit handed out and not settled yet.
    struct InFlight {
        /// Its records, taken back into the pending batch if the commit fails.
        var pending: PendingBatch
        /// What the store was asked to write.
        var batch: CountBatch
        /// When it began (dead letters included).
        var started: Instant
    }

    /// How a commit runs.
    enum CommitKind {
        /// On the commit worker, while polling goes on.
        case background
        /// Now, on the pipeline's thread (retries, revocations, the shutdown).
        case synchronous
    }

    /// Synchronous commits that must end before something else may happen (a revocation returns, the source
    /// closes), retried with backoff until a deadline.
    struct SyncFlush {
        var deadline: Instant
        var attempts = 0
        var retryAt: Instant?
        var gaveUp = false
    }

    /// A read or a query that is retried with backoff until it succeeds.
    struct Retry {
        var attempts = 0
        var at: Instant?
        var underWay = false
    }

    let settings: Settings
    var schedule: FlushSchedule
    /// The work read since the last commit; the executor counts into its aggregator.
    var pending = PendingBatch()
    var inFlight: InFlight?
    var ownership = Ownership()
    var phase = Phase.running
    var failure: (any Error)?
    var closeRequested = false
    var callback: Callback?
    /// The assignment's stored-offset reads.
    var assignmentRead = Retry()
    var flush: SyncFlush?
    var stop = StopLevel.none
    /// A commit waiting for its dead letters to be acknowledged.
    var awaitingLetters: CommitKind?
    /// Reads of the fenced partitions' stored offsets.
    var fencedRead = Retry()
    /// The fenced partitions the read under way asks for.
    var fencedReading: [SourcePartition] = []
    /// Queries of out-of-range partitions' log bounds.
    var boundsQuery = Retry()
    /// Partitions whose log the broker confirmed ends below their position, waiting for the commit in flight.
    var truncated: [SourcePartition: LogBounds] = [:]
    /// The topic ID known per topic, from assignments and facts.
    var topicIDs: [String: String] = [:]
    /// Topics recreated while the pipeline ran, with their old IDs, until their partitions are assigned again.
    var recreatedTopics: [String: String] = [:]
    /// The IDs each topic had before the one it has now: a report of one is stale metadata (another broker,
    /// an answer sent before the change), never a new log.
    var retiredTopicIDs: [String: Set<String>] = [:]
    /// Fenced partitions whose stored offset belongs to another log than the one this member knows, waiting
    /// for the log's identity now: the store's log (continue at its offset) or this member's (its beginning).
    var fencedInOtherLog: [SourcePartition: StoredPosition] = [:]
    /// Topics recreated while the pipeline owns partitions of them, with their new IDs: those partitions
    /// move to the new logs' beginning once the work read from the old logs is committed.
    var newLogs: [String: String] = [:]
    /// Whether a move back (a truncation) waits to be committed.
    var storingMoves = false
    /// Partitions assigned while consumption was paused are paused too, once the assignment returns.
    var pauseSweep = false
    var random: SplitMix64
    /// Side effects decided by the last event, handed out first and in order.
    var outbox: [PipelineAction] = []
    /// The lowest level of the log lines wanted (the executor's logger says): lines below it are not even
    /// built.
    package var logLevel = Logger.Level.info

    /// Creates a machine that owns nothing yet.
    /// - Parameters:
    ///   - settings: The pipeline's configuration.
    ///   - seed: The seed of the retry jitter.
    package init(settings: Settings, seed: UInt64) {
        self.settings = settings
        schedule = FlushSchedule(rules: settings.flush)
        random = SplitMix64(seed: seed)
    }

    /// Whether the machine is done (`run()` has returned or thrown).
    package var isFinished: Bool { phase == .finished }

    /// Whether nothing is pending or in flight, and no partition waits to be moved or checked.
    package var isIdle: Bool {
        pending.isEmpty && inFlight == nil && callback == nil && outbox.isEmpty && ownership.fenced.isEmpty
            && ownership.outOfRange.isEmpty && ownership.identityChecks.isEmpty && truncated.isEmpty
            && newLogs.isEmpty && !storingMoves && !schedule.isFailing
    }

    /// The machine's state in a line, for diagnostics (the simulator's reports).
    package var summary: String {
        "phase \(phase), schedule \(schedule.state), pending \(pending.recordCount)+\(pending.aggregator.movedCount) moved since \(pending.started.map { "\($0)" } ?? "never"), letters \(pending.deadLetters.count), in flight \(inFlight != nil), owned \(ownership.owned.map(\.partition)), fenced \(ownership.fenced.map(\.partition)), out of range \(ownership.outOfRange.map(\.partition)), checks \(ownership.identityChecks.map(\.partition)), paused \(ownership.paused.map(\.partition)), truncated \(truncated.keys.map(\.partition)), new logs \(newLogs), storing moves \(storingMoves), outbox \(outbox.count)"
    }

    /// The partitions owned now, in order.
    package var ownedPartitions: [SourcePartition] { ownership.owned }

    /// What to do next.
    package mutating func nextAction(now: Instant) -> PipelineAction {
        if !outbox.isEmpty { return outbox.removeFirst() }
        if let callback { return callbackAction(callback, now: now) }
        switch phase {
        case .running: return runningAction(now: now)
        case .stopping: return stoppingAction(now: now)
        case .closing, .finished: return .finish
        case .failed: return failedAction()
        }
    }

    /// The loop's next step while running: partitions to move first, then the flush schedule's decision.
    private mutating func runningAction(now: Instant) -> PipelineAction {
        if let action = partitionAction(now: now) { return action }
        if !outbox.isEmpty { return outbox.removeFirst() }
        if schedule.isFailing, pending.isEmpty, inFlight == nil { failuresOutlived() }
        switch schedule.decide(pending.snapshot, now: now) {
        case .poll:
            let snapshot = pending.snapshot
            return .poll(
                maxRecords: schedule.pollLimit(snapshot),
                timeout: min(schedule.pollTimeout(snapshot, now: now), untilNextRetry(now: now)))
        case .commit:
            return beginCommit(
                .background, now: now, lettersUntil: now.advanced(by: settings.deadLetterTimeout), endsWith: .graceful)
        case .awaitCommitThenCommit:
            return .awaitCommit
        case .retry:
            return beginCommit(
                .synchronous, now: now, lettersUntil: now.advanced(by: settings.deadLetterTimeout), endsWith: .graceful)
        }
    }

    /// How long until a retried read or query of partitions that still need it is due (at most the poll
    /// timeout). A retry that is not needed any more does not shorten the poll.
    private func untilNextRetry(now: Instant) -> Duration {
        var due: Instant?
        if !ownership.fenced.isEmpty, let at = fencedRead.at { due = at }
        if !ownership.outOfRange.isEmpty || !ownership.identityChecks.isEmpty, let at = boundsQuery.at {
            due = min(due ?? at, at)
        }
        guard let due else { return settings.flush.pollTimeout }
        return max(.zero, now.duration(to: due))
    }

    /// While failed: settle the commit in flight, drop the rest, close the source, then throw.
    private mutating func failedAction() -> PipelineAction {
        if inFlight != nil { return .awaitCommit }
        dropPending(nil)
        guard closeRequested else {
            closeRequested = true
            return .closeSource
        }
        return .fail(failure ?? PipelineError(code: .internal, message: "the pipeline failed without an error"))
    }

    /// An event of `partition` at `offset` cannot be counted: whether the pipeline goes on (to dead-letter it),
    /// or, with ``CountingPipeline/ErrorTolerance/stop``, fails naming it, committing nothing more.
    mutating func tolerates(_ error: EventDecodingError, of partition: SourcePartition, at offset: Int64) -> Bool {
        guard settings.errorTolerance == .stop else { return true }
        fail(
            PipelineError(
                code: .untolerated,
                message:
                    "\(partition) offset \(offset) cannot be counted (\(error)), and ERRORS_TOLERANCE=stop; nothing after the last commit was committed. Fix or skip the event (foodcount offsets reset), or set ERRORS_TOLERANCE=dead-letter",
                partitions: [partition]))
        return false
    }

    /// Fails the pipeline: it commits nothing more. The first failure is the one `run()` throws.
    mutating func fail(_ error: any Error) {
        guard phase != .failed else { return }
        failure = error
        phase = .failed
        flush = nil
        log(.error, "pipeline failed: \(error)")
    }

    /// Drops the pending work of some partitions (`nil`: all of it): it was not stored, so it is read again,
    /// or it is gone with its log.
    mutating func dropPending(_ partitions: [SourcePartition]?) {
        guard let partitions else {
            if !pending.isEmpty { record(.pendingDropped(pending.aggregator.partitions.keys.sorted())) }
            return pending.reset()
        }
        let held = partitions.filter { pending.aggregator.nextOffset(for: $0) != nil }
        if !held.isEmpty { record(.pendingDropped(held.sorted())) }
        pending.forget(partitions)
    }

    /// Queues a log line, if its level is wanted.
    mutating func log(
        _ level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
        _ metadata: @autoclosure () -> Logger.Metadata = [:]
    ) {
        guard level >= logLevel else { return }
        outbox.append(.log(PipelineLogEntry(level, message(), metadata())))
    }

    /// Queues a record.
    mutating func record(_ record: PipelineRecord) {
        outbox.append(.record(record))
    }
}
