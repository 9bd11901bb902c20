import Logging

/// Reads records from a source, decodes them, aggregates a batch and commits it with its offsets, exactly once.
///
/// The pipeline is the executor of a ``PipelineMachine``, which makes every decision: when to commit, where
/// each partition starts and moves, what a commit's outcome, a rebalance or a fact of the source does. The
/// pipeline only carries out the machine's actions (polls, commits, reads, moves, logs) and tells it what
/// came of them. It runs on one dedicated thread (``run()`` blocks), while a commit worker writes the
/// previous batch. See `docs/design.md` and `docs/operations.md`.
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
    let committer: any CommitRunner
    let clock: any PipelineClock
    /// Receives the source's rebalance callbacks; the source holds it weakly.
    let events = PartitionEvents()
    var machine: PipelineMachine
    var counter: RecordCounter
    /// The stop the machine was told of.
    private var stopTold = StopLevel.none
    /// Sees every record the machine asks for, after the recorder (the simulator keeps what was skipped).
    package var onRecord: ((PipelineRecord) -> Void)?
    /// Sees every run the machine refused at admission, by its first and last offsets (for the simulator).
    package var onRunDropped: ((SourcePartition, Int64, Int64) -> Void)?

    /// Creates a pipeline.
    /// - Parameters:
    ///   - source: Where records come from.
    ///   - store: Where counts and offsets go.
    ///   - decoder: Turns record values into events.
    ///   - deadLetterSink: Where records that cannot be counted go; `nil` only logs and skips them.
    ///   - configuration: Batching and retry settings.
    ///   - logger: Where the pipeline logs.
    public convenience init(
        source: any EventSource,
        store: any CountStore,
        decoder: any EventDecoder = JSONEventDecoder(),
        deadLetterSink: (any DeadLetterSink)? = nil,
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "foodcount.pipeline")
    ) {
        self.init(
            source: source, store: store, decoder: decoder, deadLetterSink: deadLetterSink,
            configuration: configuration, logger: logger, clock: SystemPipelineClock(), commitRunner: nil,
            seed: .random(in: .min ... .max))
    }

    /// Creates a pipeline on a clock and a commit runner of the caller's (step tests, the simulator).
    package init(
        source: any EventSource, store: any CountStore, decoder: any EventDecoder,
        deadLetterSink: (any DeadLetterSink)?, configuration: Configuration, logger: Logger,
        clock: any PipelineClock, commitRunner: (any CommitRunner)?, seed: UInt64
    ) {
        self.source = source
        self.store = store
        self.counter = RecordCounter(decoder: decoder)
        self.courier = DeadLetterCourier(sink: deadLetterSink, logger: logger, recorder: recorder)
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.machine = PipelineMachine(settings: .init(configuration), seed: seed)
        machine.logLevel = logger.logLevel
        self.committer =
            commitRunner ?? CommitWorker(store: store, confinement: confinement) { [source] in source.wakeup() }
        events.pipeline = self
    }

    /// Whether the pipeline has nothing left to do but poll: nothing pending or in flight, no partition to
    /// move or check (pipeline thread only).
    package var isIdle: Bool { machine.isIdle }

    /// The machine's state in a line, for diagnostics (pipeline thread only).
    package var machineSummary: String { machine.summary }

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
        try begin()
        while try step() {}
    }

    /// Starts the source; ``step()`` then runs the machine one action at a time.
    package func begin() throws {
        confinement.handOver()  // from the thread that set the pipeline up to this one
        confinement.assertConfined("run")
        try source.start(listener: events)
        recorder.running(true)
    }

    /// Carries out the machine's next action, and the log lines and records queued before it (so that a
    /// step is the same whatever the logger's level).
    /// - Returns: `false` once the pipeline has stopped.
    /// - Throws: What failed the pipeline, once it has stopped.
    @discardableResult
    package func step() throws -> Bool {
        if let outcome = committer.takeOutcome(waiting: false) { machine.commitFinished(outcome, now: clock.now) }
        tellStop()
        var action = machine.nextAction(now: clock.now)
        while action.isBookkeeping {
            perform(action)
            action = machine.nextAction(now: clock.now)
        }
        switch action {
        case .finish, .fail:
            recorder.running(false)
            logger.info("pipeline stopped", metadata: ["statistics": "\(statistics)"])
            if case .fail(let error) = action { throw error }
            return false
        default:
            perform(action)
            return true
        }
    }

    /// Carries out one action and tells the machine what came of it.
    func perform(_ action: PipelineAction) {
        switch action {
        case .poll(let maxRecords, let timeout):
            let began = clock.now
            do {
                let visited = try source.poll(maxRecords: maxRecords, timeout: timeout) { process($0) }
                machine.pollEnded(
                    visited: visited, began: began, caughtUp: source.isCaughtUp, facts: source.takeFacts(),
                    now: clock.now)
            } catch {
                machine.fail(error)
            }
        case .startCommit(let batch):
            committer.start(batch)
        case .awaitCommit:
            if let outcome = committer.takeOutcome(waiting: true) { machine.commitFinished(outcome, now: clock.now) }
        case .commit(let batch):
            machine.commitFinished(Result { () throws(StoreError) in try store.commit(batch) }, now: clock.now)
        case .deliverDeadLetters(let deadline, let endsWith):
            let error = courier.deliver(&machine.pending, until: deadline) { stop.level >= endsWith }
            machine.deadLettersDelivered(error: error, now: clock.now)
        case .readStore(let partitions):
            machine.storeRead(
                Result { () throws(StoreError) in try store.storedPositions(for: partitions) }, now: clock.now)
        case .queryLogBounds(let partitions):
            machine.logBoundsRead(Result { try source.logBounds(of: partitions) }, now: clock.now)
        case .sleep(let deadline):
            clock.sleep(until: deadline) { stop.isAbandoning }
        case .tellSource(let command):
            tell(command)
        case .record(let record):
            recorder.record(record)
            onRecord?(record)
        case .log(let entry):
            logger.log(level: entry.level, entry.message, metadata: entry.metadata)
        case .closeSource:
            let closed = Result { try source.close() }
            machine.sourceClosed(error: closed.failure, now: clock.now)
        case .endCallback, .finish, .fail:
            preconditionFailure("\(action) is not carried out here")
        }
    }

    /// Tells the machine of a stop asked for since it last heard.
    func tellStop() {
        let level = stop.level
        guard level > stopTold else { return }
        stopTold = level
        machine.stopRequested(level, now: clock.now)
    }
}

extension Result {
    /// The error, if it is a failure.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
