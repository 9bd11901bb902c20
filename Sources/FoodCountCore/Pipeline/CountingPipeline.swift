import CoreMetrics
import Foundation
import Logging
import Synchronization

/// Reads records from a source, decodes them, aggregates a batch and commits it with its offsets.
///
/// The pipeline runs on one dedicated thread (``run()`` blocks), while a second one writes the previous
/// batch to the store, so that polling goes on during the commit. It is the source's partition listener:
/// on assignment it starts each partition at the store's offset, on revocation it flushes before
/// returning, and on a lost assignment it drops the pending work of those partitions. Records that cannot
/// be counted go to the dead-letter sink, and their offsets are stored only once the sink acknowledged
/// them. Transient failures are retried with backoff while polling goes on; past the retry budget the
/// partitions are paused and the pipeline reports itself not ready, and keeps retrying. See
/// `docs/design.md` and `docs/operations.md`.
public final class CountingPipeline: PartitionListener, @unchecked Sendable {
    let source: any EventSource
    let store: any CountStore
    let decoder: any EventDecoder
    let memoizes: Bool
    let deadLetterSink: (any DeadLetterSink)?
    let configuration: Configuration
    let logger: Logger
    let stopState = Mutex<StopState>(.running)
    let statisticsBox = Mutex(PipelineStatistics())
    let healthBox = Mutex(PipelineHealth())
    let committer: CommitWorker

    // Confined to the pipeline thread.
    var aggregator = BatchAggregator()
    var deadLetters: [DeadLetter] = []
    var owned: [SourcePartition: Int64?] = [:]
    /// The identity of each owned partition's log (Kafka's topic ID), where the source knows it.
    var logIDs: [SourcePartition: String] = [:]
    /// Owned partitions whose commit was fenced: not counted until they continue from their stored offset.
    var fencedPartitions: Set<SourcePartition> = []
    var paused: Set<SourcePartition> = []
    var batchStarted: ContinuousClock.Instant?
    var retry = RetryState()
    var metrics = PipelineMetrics()
    var failure: (any Error)?
    /// The batch the commit worker is writing, if any.
    var inFlight: InFlightCommit?
    @exclusivity(unchecked) var counter = RecordCounter()  // confined to the pipeline thread; hot
    /// Whether the last poll brought nothing (see `Configuration.idleFlushDelay`).
    var sourceIdle = false
    /// Whether the source had read every owned partition to its end after the last poll.
    var sourceCaughtUp = false
    /// Whether the pending batch became due while a commit was in flight: it commits once that one is done,
    /// even if the rule that made it due no longer holds (a trickle of records ends "caught up").
    var dueWhileCommitting = false
    /// When the last commit began, which spaces out the commits of a stream that keeps pausing.
    var lastCommitStart: ContinuousClock.Instant?
    var pollTally = PollTally()

    enum StopState { case running, stopping, abandoning }

    /// What the records of the current poll came to.
    struct PollTally {
        var records = 0
        var dropped = 0
        var invalid = 0
    }

    /// Tracks a failing flush between attempts.
    struct RetryState {
        var failingSince: ContinuousClock.Instant?
        var attempts = 0
        var nextAttempt: ContinuousClock.Instant?
    }

    /// Creates a pipeline.
    /// - Parameters:
    ///   - source: Where records come from.
    ///   - store: Where counts and offsets go.
    ///   - decoder: Turns record values into events.
    ///   - deadLetterSink: Where records that cannot be counted go; `nil` only logs and skips them.
    ///   - configuration: Batching and retry settings.
    ///   - logger: Where the pipeline logs.
    public init(
        source: any EventSource,
        store: any CountStore,
        decoder: any EventDecoder = JSONEventDecoder(),
        deadLetterSink: (any DeadLetterSink)? = nil,
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "foodcount.pipeline")
    ) {
        self.source = source
        self.store = store
        self.decoder = decoder
        self.memoizes = decoder.isDeterministic
        self.deadLetterSink = deadLetterSink
        self.configuration = configuration
        self.logger = logger
        self.committer = CommitWorker(store: store) { [source] in source.wakeup() }
    }

    /// What the pipeline has done so far. Safe from any thread.
    public var statistics: PipelineStatistics { statisticsBox.withLock { $0 } }

    /// The pipeline's health now. Safe from any thread.
    public var health: PipelineHealth { healthBox.withLock { $0 } }

    /// Asks ``run()`` to flush, leave the group and return. Safe from any thread.
    /// - Parameter abandonRetries: Also give up retrying a failing store at once (the batch is then
    ///   not committed, which loses nothing: its offsets are not stored either).
    public func requestStop(abandonRetries: Bool = false) {
        stopState.withLock { state in
            state = abandonRetries ? .abandoning : (state == .abandoning ? .abandoning : .stopping)
        }
        source.wakeup()
    }

    /// Runs until ``requestStop(abandonRetries:)``, then flushes, closes the source and returns.
    /// Blocks the calling thread; run it on a dedicated thread.
    /// - Throws: A source error, or a store error that retrying cannot fix.
    public func run() throws {
        try source.start(listener: self)
        healthBox.withLock { $0.isRunning = true }
        defer {
            healthBox.withLock { $0.isRunning = false }
            logger.info("pipeline stopped", metadata: ["statistics": "\(statistics)"])
        }
        do {
            while stopState.withLock({ $0 == .running }) {
                if let failure { throw failure }
                try continueFencedPartitions()
                if inFlight != nil, try !settleCommit(waiting: false) { scheduleRetry() }
                if dueWhileCommitting || flushDue() {
                    dueWhileCommitting = keepsFillingWhileCommitting()
                    if !dueWhileCommitting { try flushFromLoop() }
                }
                keepPausedWhileDegraded()
                let pollStarted = ContinuousClock.now
                let visited = try source.poll(maxRecords: pollLimit(), timeout: pollTimeout()) {
                    process($0)
                }
                finishPoll()
                sourceIdle = visited == 0 && wasIdle(since: pollStarted)
                sourceCaughtUp = source.isCaughtUp
            }
            if try !flushRetrying(budget: configuration.shutdownRetryBudget) {
                logger.warning(
                    "stopping without committing the pending batch; its offsets were not stored, so it will be read again",
                    metadata: ["records": "\(aggregator.recordCount)"])
                dropPending()
            }
        } catch {
            logger.error("pipeline failed: \(error)")
            // Commit nothing more: the pending batch is dropped (its offsets are not stored either, so it
            // will be read again), and the close below must not flush it.
            failure = error
            _ = try? settleCommit(waiting: true)  // no commit may run once this returns
            dropPending()
            try? source.close()
            throw error
        }
        try source.close()
        if let failure { throw failure }
    }

    /// Whether the pending batch should be committed now.
    func flushDue() -> Bool {
        guard !aggregator.isEmpty else { return false }
        if let nextAttempt = retry.nextAttempt { return ContinuousClock.now >= nextAttempt }
        guard let batchStarted else { return false }
        let now = ContinuousClock.now
        return aggregator.recordCount >= configuration.maxBatchEvents
            || now - batchStarted >= configuration.maxBatchDelay
            || (sourceIdle && configuration.idleFlushDelay != nil)
            || caughtUpFlushWait(now: now) == .zero
    }

    /// Whether a due batch keeps filling instead of waiting for the commit in flight: it does below
    /// `maxPendingEvents`, and commits once the worker is done and wakes the poll (`dueWhileCommitting`).
    private func keepsFillingWhileCommitting() -> Bool {
        inFlight != nil && aggregator.recordCount < configuration.maxPendingEvents
    }

    /// Whether an empty poll that began at `start` waited the whole idle delay: a poll woken early (by the
    /// commit worker, or a stop) says nothing about the stream.
    private func wasIdle(since start: ContinuousClock.Instant) -> Bool {
        guard let idle = configuration.idleFlushDelay else { return false }
        let wait = min(idle, configuration.pollTimeout) - .milliseconds(1)  // timers may fire a hair early
        return ContinuousClock.now - start >= wait
    }

    /// How long until the pending batch may commit because the source is caught up (`nil`: not caught up,
    /// or the rule is off). The starts of a caught-up stream's commits are spaced by `idleFlushDelay` at
    /// least, so that a stream that keeps pausing for a moment is not committed after every fetch, and
    /// commits slower than that follow each other without a gap.
    private func caughtUpFlushWait(now: ContinuousClock.Instant) -> Duration? {
        guard sourceCaughtUp, let spacing = configuration.idleFlushDelay else { return nil }
        guard let lastCommitStart else { return .zero }
        return max(.zero, lastCommitStart + spacing - now)
    }

    /// How long the next poll may block: until the pending batch is due, and briefly while a commit is in
    /// flight (the worker wakes the poll when it is done, but librdkafka drops a wakeup that lands while
    /// the poll is not waiting). A batch that is due then waits for that commit.
    private func pollTimeout() -> Duration {
        inFlight == nil ? batchPollTimeout() : .milliseconds(5)
    }

    /// How many records the next poll may bring: while a commit is in flight, no more than the pending
    /// batch may still take (`maxPendingEvents`).
    private func pollLimit() -> Int {
        guard inFlight != nil else { return configuration.pollBatchSize }
        return max(1, min(configuration.pollBatchSize, configuration.maxPendingEvents - aggregator.recordCount))
    }

    private func batchPollTimeout() -> Duration {
        let now = ContinuousClock.now
        guard !aggregator.isEmpty else { return configuration.pollTimeout }
        if let nextAttempt = retry.nextAttempt { return max(.zero, min(configuration.pollTimeout, nextAttempt - now)) }
        guard let batchStarted else { return configuration.pollTimeout }
        let due = batchStarted + configuration.maxBatchDelay - now
        let idle = caughtUpFlushWait(now: now) ?? configuration.idleFlushDelay ?? configuration.pollTimeout
        return max(.zero, min(configuration.pollTimeout, due, idle))
    }

    /// Whether the loop is stopping, so that waiting on the dead-letter sink from it should end.
    var isStopRequested: Bool { stopState.withLock { $0 != .running } }

    /// Whether a stop gives up retrying, so that a final or revocation flush should end its waits.
    var isAbandoning: Bool { stopState.withLock { $0 == .abandoning } }

    /// Forgets the pending batch and its dead letters.
    func dropPending() {
        dueWhileCommitting = false
        aggregator.reset()
        deadLetters.removeAll()
        batchStarted = nil
    }
}
