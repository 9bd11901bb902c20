import Logging

/// Reads records from a source, decodes them, aggregates a batch and commits it with its offsets.
///
/// The pipeline runs on one dedicated thread (``run()`` blocks), while a ``CommitWorker`` writes the previous
/// batch to the store, so that polling goes on during the commit. When to commit, how long to poll and how
/// much to take is decided by a ``FlushSchedule``, and what each commit, assignment and fence does to the
/// books by a `Bookkeeper`; the pipeline does the I/O. Through its listener, it starts each assigned
/// partition at the store's offset, flushes before a revocation returns, and drops the pending work of a
/// lost assignment. Records that cannot be counted go to the dead-letter sink, and their offsets
/// are stored only once the sink acknowledged them. See `docs/design.md` and `docs/operations.md`.
public final class CountingPipeline: @unchecked Sendable {
    let source: any EventSource
    let store: any CountStore
    /// Logs and keeps the records that cannot be counted, and sends them.
    let courier: DeadLetterCourier
    let configuration: Configuration
    let logger: Logger
    /// Whether a stop was asked for, and whether it gives up retrying. Safe from any thread.
    let stop = StopRequest()
    /// Statistics, health and metrics, recorded together.
    let recorder = PipelineRecorder()
    /// Everything below is confined to the pipeline's thread (asserted in debug builds).
    let confinement = ThreadConfinement("CountingPipeline")
    let committer: CommitWorker
    /// Receives the source's rebalance callbacks; the source holds it weakly.
    let events = PartitionEvents()
    /// Retries stored-offset reads, and the flushes before revocations and the shutdown.
    let retries: RetryLoop<ContinuousClock>

    var pending = PendingBatch()
    /// The flush schedule and the partitions owned, and what commits, assignments and fences do to them.
    var books: Bookkeeper<ContinuousClock>
    var failure: (any Error)?
    var counter: RecordCounter

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
        self.counter = RecordCounter(decoder: decoder)
        self.courier = DeadLetterCourier(sink: deadLetterSink, logger: logger, recorder: recorder)
        self.configuration = configuration
        self.logger = logger
        self.books = Bookkeeper(
            schedule: FlushSchedule(rules: .init(configuration), clock: ContinuousClock()), source: source,
            recorder: recorder, logger: logger)
        self.retries = RetryLoop(policy: configuration.retry, stop: stop, logger: logger, clock: ContinuousClock())
        self.committer = CommitWorker(store: store, confinement: confinement) { [source] in source.wakeup() }
        events.pipeline = self
    }

    /// What the pipeline has done so far. Safe from any thread.
    public var statistics: PipelineStatistics { recorder.statistics }

    /// The pipeline's health now. Safe from any thread.
    public var health: PipelineHealth { recorder.health }

    /// Asks ``run()`` to flush, leave the group and return. Safe from any thread.
    /// - Parameter abandonRetries: Also give up retrying a failing store at once (the batch is then
    ///   not committed, which loses nothing: its offsets are not stored either).
    public func requestStop(abandonRetries: Bool = false) {
        stop.request(abandoningRetries: abandonRetries)
        source.wakeup()
    }

    /// Runs until ``requestStop(abandonRetries:)``, then flushes, closes the source and returns.
    /// Blocks the calling thread; run it on a dedicated thread.
    /// - Throws: A source error, or a store error that retrying cannot fix.
    public func run() throws {
        confinement.handOver()  // from the thread that set the pipeline up to this one
        confinement.assertConfined("run")
        try source.start(listener: events)
        recorder.running(true)
        defer {
            recorder.running(false)
            logger.info("pipeline stopped", metadata: ["statistics": "\(statistics)"])
        }
        do {
            while !stop.isRequested {
                if let failure { throw failure }
                try continueFencedPartitions()
                try settleCommit(waiting: false)
                if books.schedule.isFailing, pending.isEmpty, committer.inFlight == nil { books.failuresOutlived() }
                try act(on: books.schedule.decide(pending.snapshot))
                books.pauseNewlyAssigned()
                let (began, snapshot) = (books.schedule.now, pending.snapshot)
                let visited = try source.poll(
                    maxRecords: books.schedule.pollLimit(snapshot), timeout: books.schedule.pollTimeout(snapshot)
                ) { process($0) }
                finishPoll(visited: visited)
                books.schedule.pollEnded(visited: visited, began: began, caughtUp: source.isCaughtUp)
            }
            if try !flushRetrying(budget: configuration.shutdownRetryBudget) {
                logger.warning(
                    "stopping without committing the pending batch; its offsets were not stored, so it will be read again",
                    metadata: ["records": "\(pending.recordCount)"])
                pending.reset()
            }
        } catch {
            logger.error("pipeline failed: \(error)")
            // Commit nothing more: the pending batch is dropped (its offsets are not stored either, so it
            // will be read again), and the close below must not flush it.
            failure = error
            _ = try? settleCommit(waiting: true)  // no commit may run once this returns
            pending.reset()
            try? source.close()
            throw error
        }
        try source.close()
        if let failure { throw failure }
    }

    /// Carries out what the schedule decided.
    private func act(on action: FlushSchedule<ContinuousClock>.Action) throws {
        switch action {
        case .poll:
            return
        case .commit:
            startCommit()
        case .awaitCommitThenCommit:
            if try settleCommit(waiting: true) { startCommit() }
        case .retry:
            try attemptFlush(waitingUntil: .now + configuration.deadLetterTimeout)
        }
    }
}
