import CoreMetrics
import Foundation
import Logging
import Synchronization

extension CountingPipeline {
    /// Processes records held in an array, as one poll.
    func process(_ records: [SourceRecord]) {
        for record in records { record.withView { process($0) } }
        finishPoll()
    }

    /// Counts or rejects one record. Records come in runs of one partition, looked up once per run.
    func process(_ record: SourceRecordView) {
        if counter.tallyIfRepeated(record) { return }  // the common case
        if record.partition != counter.run.partition { beginRun(of: record.partition) }
        counter.run.records += 1
        guard counter.run.isOwned else { return }
        if let position = counter.run.position, record.offset < position {
            // librdkafka never redelivers within an assignment: a step back means the log was reset
            // (auto.offset.reset after the log was truncated or the broker lost it). Those are new records.
            logger.warning(
                "partition offset went back; the log was reset, counting from its new position",
                metadata: metadata(record, ["previous": "\(position)"]))
        }
        counter.run.position = record.offset + 1
        if memoizes, let value = record.value, let slot = counter.values.slot(for: value) {
            counter.tally.add(slot: slot, offset: record.offset)
            return
        }
        foldTally()  // keeps the aggregator's offsets in record order
        do {
            let event = try decoder.decode(record.value)
            if memoizes, let value = record.value { counter.values.insert(event, for: value) }
            aggregator.count(event.category, partition: counter.run.partition, offset: record.offset)
        } catch {
            counter.run.invalid += 1
            reject(record, error)
        }
    }

    /// Adds the tallied values of the current run to the aggregator.
    func foldTally() {
        counter.foldTally(into: &aggregator)
    }

    private func beginRun(of partition: SourcePartition) {
        endRun()
        let stored = owned[partition]
        counter.run = .init(
            partition: partition, isOwned: stored != nil && !fencedPartitions.contains(partition),
            position: aggregator.nextOffset(for: partition) ?? inFlight?.aggregator.nextOffset(for: partition) ?? stored
                ?? nil)
    }

    /// Ends the current run: its tally goes to the aggregator and its figures to the poll's.
    func endRun() {
        foldTally()
        if counter.run.records > 0 {
            metrics.consumed(counter.run.records, from: counter.run.partition)
            pollTally.records += counter.run.records
            pollTally.dropped += counter.run.isOwned ? 0 : counter.run.records
            pollTally.invalid += counter.run.invalid
        }
        counter.run = .init()
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
}
