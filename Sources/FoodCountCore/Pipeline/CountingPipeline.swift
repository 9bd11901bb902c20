import Logging
import Synchronization

/// Reads records from a source, decodes them, aggregates a batch and commits it with its offsets.
///
/// The pipeline runs on one dedicated thread (``run()`` blocks) and is the source's partition listener:
/// on assignment it starts each partition at the store's offset, on revocation it flushes before
/// returning, and on a lost assignment it drops the pending work of those partitions. See
/// `docs/design.md` for the exactly-once argument.
public final class CountingPipeline: PartitionListener, @unchecked Sendable {
    let source: any EventSource
    let store: any CountStore
    let decoder: any EventDecoder
    let configuration: Configuration
    let logger: Logger
    let stopState = Mutex<StopState>(.running)
    let statisticsBox = Mutex(PipelineStatistics())

    // Confined to the pipeline thread.
    var aggregator = BatchAggregator()
    var owned: [SourcePartition: Int64?] = [:]
    var batchStarted: ContinuousClock.Instant?
    var failure: (any Error)?

    enum StopState { case running, stopping, abandoning }

    /// Creates a pipeline.
    /// - Parameters:
    ///   - source: Where records come from.
    ///   - store: Where counts and offsets go.
    ///   - decoder: Turns record values into events.
    ///   - configuration: Batching and retry settings.
    ///   - logger: Where the pipeline logs.
    public init(
        source: any EventSource,
        store: any CountStore,
        decoder: any EventDecoder = JSONEventDecoder(),
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "foodcount.pipeline")
    ) {
        self.source = source
        self.store = store
        self.decoder = decoder
        self.configuration = configuration
        self.logger = logger
    }

    /// What the pipeline has done so far. Safe from any thread.
    public var statistics: PipelineStatistics { statisticsBox.withLock { $0 } }

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
        defer { logger.info("pipeline stopped", metadata: ["statistics": "\(statistics)"]) }
        do {
            while stopState.withLock({ $0 == .running }) {
                if let failure { throw failure }
                let records = try source.poll(maxRecords: configuration.pollBatchSize, timeout: pollTimeout())
                process(records)
                if shouldFlush() { try flush() }
            }
            try flush()
        } catch {
            logger.error("pipeline failed: \(error)")
            // Commit nothing more: the pending batch is dropped (its offsets are not stored either, so it
            // will be read again), and the close below must not flush it.
            failure = error
            aggregator.reset()
            try? source.close()
            throw error
        }
        try source.close()
        if let failure { throw failure }
    }

    func process(_ records: [SourceRecord]) {
        guard !records.isEmpty else { return }
        var dropped = 0
        var invalid = 0
        for record in records {
            guard let stored = owned[record.partition] else {
                dropped += 1
                continue
            }
            if let position = aggregator.nextOffset(for: record.partition) ?? stored, record.offset < position {
                // librdkafka never redelivers within an assignment: a step back means the log was reset
                // (auto.offset.reset after the log was truncated or the broker lost it). Those are new records.
                logger.warning(
                    "partition offset went back; the log was reset, counting from its new position",
                    metadata: [
                        "topic": "\(record.partition.topic)", "partition": "\(record.partition.partition)",
                        "offset": "\(record.offset)", "previous": "\(position)",
                    ])
            }
            do {
                let event = try decoder.decode(record.value)
                aggregator.count(event.category, partition: record.partition, offset: record.offset)
            } catch {
                invalid += 1
                logger.warning(
                    "skipping invalid event",
                    metadata: [
                        "topic": "\(record.partition.topic)", "partition": "\(record.partition.partition)",
                        "offset": "\(record.offset)", "error.kind": "\(error.kind)", "error": "\(error.message)",
                    ])
                aggregator.skip(partition: record.partition, offset: record.offset)
            }
        }
        if batchStarted == nil, !aggregator.isEmpty { batchStarted = .now }
        statisticsBox.withLock {
            $0.recordsPolled += records.count
            $0.recordsDropped += dropped
            $0.eventsInvalid += invalid
        }
    }

    func shouldFlush() -> Bool {
        guard let batchStarted, !aggregator.isEmpty else { return false }
        return aggregator.recordCount >= configuration.maxBatchEvents
            || ContinuousClock.now - batchStarted >= configuration.maxBatchDelay
    }

    private func pollTimeout() -> Duration {
        guard let batchStarted else { return configuration.pollTimeout }
        let remaining = configuration.maxBatchDelay - (ContinuousClock.now - batchStarted)
        return max(.zero, min(configuration.pollTimeout, remaining))
    }
}
