import Foundation
import Logging

/// Takes the records that cannot be counted to the dead-letter sink: logs each one, keeps it as a dead
/// letter, and sends the kept ones before their batch commits, recording what the sink acknowledged.
/// Without a sink, records are only logged and skipped.
struct DeadLetterCourier {
    /// Where dead letters go, if anywhere.
    let sink: (any DeadLetterSink)?
    let logger: Logger
    /// Where sent and failed letters are counted, and the sink's health is kept.
    let recorder: PipelineRecorder

    /// Logs a record that cannot be counted.
    /// - Returns: Its dead letter, or `nil` when there is no sink.
    func reject(_ record: SourceRecord, _ error: EventDecodingError) -> DeadLetter? {
        logger.warning(
            "\(sink == nil ? "skipping" : "dead-lettering") invalid event",
            metadata: .record(
                record.partition, record.offset, ["error.kind": "\(error.kind)", "error": "\(error.message)"]))
        guard sink != nil else { return nil }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return DeadLetter(record: record, error: error, rejectedAtMilliseconds: now)
    }

    /// Sends the pending batch's dead letters, keeps those not acknowledged in it, and records both.
    /// - Returns: Why some were not acknowledged (as ``send(_:until:stopping:)`` says); `nil` when all were.
    func deliver(
        _ pending: inout PendingBatch,
        until deadline: ContinuousClock.Instant,
        stopping: () -> Bool
    ) -> (any Error)? {
        let letters = pending.deadLetters
        guard !letters.isEmpty else { return nil }
        let (remaining, error) = send(letters, until: deadline, stopping: stopping)
        pending.keepDeadLetters(remaining)
        recorder.deadLettersSent(acknowledged: letters.count - remaining.count, failed: remaining.count, error: error)
        return error
    }

    /// Sends letters and waits for their acknowledgements, at most until `deadline` or until `stopping`.
    /// - Returns: The letters not acknowledged, in order, and why (the first error, or ``DeadLetterTimeout``
    ///   for letters not answered in time); no error when all were acknowledged.
    func send(
        _ letters: [DeadLetter],
        until deadline: ContinuousClock.Instant,
        stopping: () -> Bool
    ) -> (remaining: [DeadLetter], error: (any Error)?) {
        guard let sink, !letters.isEmpty else { return (letters, nil) }
        let results = sink.send(letters, deadline: deadline, shouldStop: stopping)
        var remaining: [DeadLetter] = []
        var firstError: (any Error)?
        for (letter, result) in zip(letters, results) where result != nil {
            remaining.append(letter)
            firstError = firstError ?? result
        }
        if results.count < letters.count { remaining += letters[results.count...] }
        return (remaining, remaining.isEmpty ? nil : firstError ?? DeadLetterTimeout())
    }
}

/// Dead letters that the sink did not answer before the deadline.
struct DeadLetterTimeout: Error, CustomStringConvertible {
    var description: String { "the dead-letter sink did not acknowledge in time" }
}

extension Logger.Metadata {
    /// The metadata that locates a record: topic, partition and offset, plus `extra`.
    static func record(_ partition: SourcePartition, _ offset: Int64, _ extra: Logger.Metadata = [:]) -> Self {
        var metadata: Self = [
            "topic": "\(partition.topic)", "partition": "\(partition.partition)", "offset": "\(offset)",
        ]
        metadata.merge(extra) { $1 }
        return metadata
    }
}
