import CoreMetrics
import Foundation
import Logging
import Synchronization

/// Reads records from a source, decodes them, aggregates a batch and commits it with its offsets.
///
/// The pipeline runs on one dedicated thread (``run()`` blocks) and is the source's partition listener:
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

    // Confined to the pipeline thread.
    var aggregator = BatchAggregator()
    var deadLetters: [DeadLetter] = []
    var owned: [SourcePartition: Int64?] = [:]
    var paused: Set<SourcePartition> = []
    var batchStarted: ContinuousClock.Instant?
    var retry = RetryState()
    var metrics = PipelineMetrics()
    var failure: (any Error)?
    var currentRun = Run()
    var decodedValues = DecodedValueCache()
    var pollTally = PollTally()

    enum StopState { case running, stopping, abandoning }

    /// The run of consecutive records of one partition being processed.
    struct Run {
        var partition = SourcePartition(topic: "", partition: -1)
        var isOwned = false
        /// The offset the next record of the partition should have.
        var position: Int64?
        var records = 0
        var invalid = 0
    }

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
                if flushDue() { try flushFromLoop() }
                keepPausedWhileDegraded()
                try source.poll(maxRecords: configuration.pollBatchSize, timeout: pollTimeout()) { process($0) }
                finishPoll()
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
            dropPending()
            try? source.close()
            throw error
        }
        try source.close()
        if let failure { throw failure }
    }

    /// Processes records held in an array, as one poll.
    func process(_ records: [SourceRecord]) {
        for record in records { record.withView { process($0) } }
        finishPoll()
    }

    /// Counts or rejects one record. Records come in runs of one partition, looked up once per run.
    func process(_ record: SourceRecordView) {
        if record.partition != currentRun.partition { beginRun(of: record.partition) }
        currentRun.records += 1
        guard currentRun.isOwned else { return }
        if let position = currentRun.position, record.offset < position {
            // librdkafka never redelivers within an assignment: a step back means the log was reset
            // (auto.offset.reset after the log was truncated or the broker lost it). Those are new records.
            logger.warning(
                "partition offset went back; the log was reset, counting from its new position",
                metadata: metadata(record, ["previous": "\(position)"]))
        }
        currentRun.position = record.offset + 1
        do {
            let event = try decode(record.value)
            aggregator.count(event.category, partition: currentRun.partition, offset: record.offset)
        } catch {
            currentRun.invalid += 1
            reject(record, error)
        }
    }

    private func decode(_ value: UnsafeRawBufferPointer?) throws(EventDecodingError) -> FoodEvent {
        guard memoizes, let value else { return try decoder.decode(value) }
        if let event = decodedValues.event(for: value) { return event }
        let event = try decoder.decode(value)
        decodedValues.insert(event, for: value)
        return event
    }

    private func beginRun(of partition: SourcePartition) {
        endRun()
        let stored = owned[partition]
        currentRun = Run(
            partition: partition, isOwned: stored != nil,
            position: aggregator.nextOffset(for: partition) ?? stored ?? nil)
    }

    private func endRun() {
        if currentRun.records > 0 {
            metrics.consumed(currentRun.records, from: currentRun.partition)
            pollTally.records += currentRun.records
            pollTally.dropped += currentRun.isOwned ? 0 : currentRun.records
            pollTally.invalid += currentRun.invalid
        }
        currentRun = Run()
    }

    /// Ends a poll's visit: metrics, statistics, and pausing when a failing store holds a full batch.
    func finishPoll() {
        endRun()
        let tally = pollTally
        pollTally = PollTally()
        guard tally.records > 0 else { return }
        if batchStarted == nil, !aggregator.isEmpty { batchStarted = .now }
        if retry.failingSince != nil, aggregator.recordCount >= configuration.maxBatchEvents, paused.isEmpty {
            logger.warning(
                "pausing consumption until the pending batch commits",
                metadata: ["records": "\(aggregator.recordCount)"])
            pauseOwnedPartitions()
        }
        statisticsBox.withLock {
            $0.recordsPolled += tally.records
            $0.recordsDropped += tally.dropped
            $0.eventsInvalid += tally.invalid
        }
    }

    private func reject(_ record: SourceRecordView, _ error: EventDecodingError) {
        let destination = deadLetterSink == nil ? "skipping" : "dead-lettering"
        logger.warning(
            "\(destination) invalid event",
            metadata: metadata(record, ["error.kind": "\(error.kind)", "error": "\(error.message)"]))
        aggregator.skip(partition: record.partition, offset: record.offset)
        if deadLetterSink != nil {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            deadLetters.append(DeadLetter(record: record.makeRecord(), error: error, rejectedAtMilliseconds: now))
        }
    }

    func metadata(_ record: SourceRecordView, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "topic": "\(record.partition.topic)", "partition": "\(record.partition.partition)",
            "offset": "\(record.offset)",
        ]
        metadata.merge(extra) { $1 }
        return metadata
    }

    /// Whether the pending batch should be committed now.
    func flushDue() -> Bool {
        guard !aggregator.isEmpty else { return false }
        if let nextAttempt = retry.nextAttempt { return ContinuousClock.now >= nextAttempt }
        guard let batchStarted else { return false }
        return aggregator.recordCount >= configuration.maxBatchEvents
            || ContinuousClock.now - batchStarted >= configuration.maxBatchDelay
    }

    private func pollTimeout() -> Duration {
        let now = ContinuousClock.now
        let due = retry.nextAttempt ?? batchStarted.map { $0 + configuration.maxBatchDelay }
        guard let due, !aggregator.isEmpty else { return configuration.pollTimeout }
        return max(.zero, min(configuration.pollTimeout, due - now))
    }

    /// Forgets the pending batch and its dead letters.
    func dropPending() {
        aggregator.reset()
        deadLetters.removeAll()
        batchStarted = nil
    }
}
