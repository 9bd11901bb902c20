/// Where records that cannot be counted go: a dead-letter topic, or a fake in tests.
///
/// The pipeline stores a dead letter's offset only after the sink acknowledged it, so a sink must not
/// report success before the letter is durable. Called from the pipeline's thread; may block, but never
/// past `deadline` nor once `shouldStop` says so: a letter whose acknowledgement has not come by then is
/// reported as failed, its batch is not committed, and it is sent again later (a duplicate dead letter is
/// acceptable; a lost one is not).
public protocol DeadLetterSink: AnyObject, Sendable {
    /// Sends letters and waits for each to be acknowledged or to fail, at most until `deadline` or until
    /// `shouldStop` returns `true` (checked at least every 50 ms while waiting).
    /// - Parameters:
    ///   - letters: The letters, in offset order per partition.
    ///   - deadline: When to stop waiting for acknowledgements.
    ///   - shouldStop: Whether the pipeline is stopping and waiting should end now.
    /// - Returns: One entry per letter, in order: `nil` when acknowledged, else the error. Every failure is
    ///   treated as transient: the pipeline retries the failed letters and never skips them.
    func send(_ letters: [DeadLetter], deadline: ContinuousClock.Instant, shouldStop: () -> Bool) -> [(any Error)?]

    /// Releases what the sink holds (a producer's client and its threads): the pipeline calls it once it has
    /// stopped, before it says so, so that nothing of the sink's client runs past the pipeline. The default
    /// does nothing.
    func close()
}

extension DeadLetterSink {
    /// Implements ``DeadLetterSink/close()`` for sinks that hold nothing: nothing.
    public func close() {}

    /// Sends letters and waits for every acknowledgement, however long it takes.
    /// - Parameter letters: The letters, in offset order per partition.
    /// - Returns: One entry per letter, in order: `nil` when acknowledged, else the error.
    public func send(_ letters: [DeadLetter]) -> [(any Error)?] {
        send(letters, deadline: .now + .seconds(86_400 * 365), shouldStop: { false })
    }
}
