/// Where records that cannot be counted go: a dead-letter topic, or a fake in tests.
///
/// The pipeline stores a dead letter's offset only after the sink acknowledged it, so a sink must not
/// report success before the letter is durable. Called from the pipeline's thread; may block.
public protocol DeadLetterSink: AnyObject, Sendable {
    /// Sends letters and waits for each to be acknowledged or to fail.
    /// - Parameter letters: The letters, in offset order per partition.
    /// - Returns: One entry per letter, in order: `nil` when acknowledged, else the error. Every failure is
    ///   treated as transient: the pipeline retries the failed letters and never skips them.
    func send(_ letters: [DeadLetter]) -> [(any Error)?]
}
