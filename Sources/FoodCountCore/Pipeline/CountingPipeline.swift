import Logging

/// Reads records from a source, decodes them, aggregates a batch and commits it with its offsets, exactly once.
///
/// It executes a pure `PipelineMachine`, which makes every decision, and tells it what came of each action
/// (`docs/design.md`, "The pipeline machine"). A commit worker writes the previous batch meanwhile.
public final class CountingPipeline: @unchecked Sendable {
    let source: any EventSource
    let store: any CountStore
    let courier: DeadLetterCourier  // logs, keeps and sends the records that cannot be counted
    let logger: Logger
    /// Whether a stop was asked for, and whether it gives up retrying; statistics, health and metrics.
    let stop = StopRequest()
    let recorder = PipelineRecorder()
    /// Everything below is confined to the pipeline's thread (asserted in debug builds); the source holds
    /// `events`, which forwards its rebalance callbacks, weakly.
    let confinement = ThreadConfinement("CountingPipeline")
    let committer: any CommitRunner
    let clock: any PipelineClock
    let events = PartitionEvents()
    /// The decisions (read by the simulator and the step driver; pipeline thread only).
    package var machine: PipelineMachine
    var counter: RecordCounter
    private var stopTold = StopLevel.none
    /// Sees every record after the recorder (the simulator's ledger keeps what was skipped).
    package var onRecord: ((PipelineRecord) -> Void)?

    /// Creates a pipeline that reads `source`, decodes with `decoder` and commits to `store`; records that
    /// cannot be counted go to `deadLetterSink` (`nil` only logs and skips them).
    public convenience init(
        source: any EventSource, store: any CountStore, decoder: any EventDecoder = JSONEventDecoder(),
        deadLetterSink: (any DeadLetterSink)? = nil, configuration: Configuration = .init(),
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
        self.logger = logger
        self.clock = clock
        self.machine = PipelineMachine(settings: .init(configuration), seed: seed)
        machine.logLevel = logger.logLevel
        self.committer =
            commitRunner ?? CommitWorker(store: store, confinement: confinement) { [source] in source.wakeup() }
        events.pipeline = self
    }

    /// What the pipeline has done so far. Safe from any thread.
    public var statistics: PipelineStatistics { recorder.statistics }
    /// The pipeline's health now. Safe from any thread.
    public var health: PipelineHealth { recorder.health }

    /// Asks ``run()`` to flush, leave the group and return; `abandonRetries` also gives up retrying a failing
    /// store at once (the batch is not committed, which loses nothing: nor are its offsets). Safe from any thread.
    public func requestStop(abandonRetries: Bool = false) {
        stop.request(abandoningRetries: abandonRetries)
        source.wakeup()
    }

    /// Runs until ``requestStop(abandonRetries:)``, then flushes, closes the source and returns. Blocks the
    /// calling thread. Throws a source error, or a store error that retrying cannot fix.
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

    /// Carries out the machine's next action, after the log lines and records queued before it.
    /// - Returns: `false` once the pipeline has stopped; throws what failed it.
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
            courier.sink?.close()  // the source closed already: nothing of either runs past this line
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
            machine.sourceCommandCarriedOut(command, error: source.carryOut(command), now: clock.now)
        case .record(let record):
            recorder.record(record)
            onRecord?(record)
        case .log(let entry):
            logger.log(level: entry.level, entry.message, metadata: entry.metadata)
        case .closeSource:
            machine.sourceClosed(error: Result { try source.close() }.failure, now: clock.now)
        case .endCallback, .finish, .fail:
            preconditionFailure("\(action) is not carried out here")
        }
    }

    /// Tells the machine of a stop asked for since it last heard.
    func tellStop() {
        if let level = stop.news(since: &stopTold) { machine.stopRequested(level, now: clock.now) }
    }
}
