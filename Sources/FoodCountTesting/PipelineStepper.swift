import FoodCountCore
import Logging

/// Runs a `CountingPipeline` one action at a time on a ``ManualClock``, with commits that end when the test
/// says (``ManualCommitRunner``): the pipeline's rules are tested by stepping it, without threads or sleeps.
///
/// ```swift
/// let clock = ManualClock()
/// let source = InMemoryEventSource(assignOnStart: [partition], clock: clock)
/// let stepper = PipelineStepper(source: source, store: InMemoryCountStore(), clock: clock)
/// try stepper.start()
/// source.append(strings: [#"{"food": "soup"}"#], to: partition)
/// stepper.run { source.isDrained && stepper.commits.inFlight == nil }
/// ```
///
/// Give the source the same clock, so that a poll that finds nothing moves time instead of waiting.
public final class PipelineStepper {
    /// The pipeline.
    public let pipeline: CountingPipeline
    /// Its time.
    public let clock: ManualClock
    /// Its background commits.
    public let commits: ManualCommitRunner
    /// What the pipeline failed with, once it stopped with an error.
    public private(set) var error: (any Error)?
    /// Whether the pipeline has stopped.
    public private(set) var hasStopped = false
    /// How many actions were carried out.
    public private(set) var steps = 0

    /// Creates a stepper over a new pipeline.
    /// - Parameters:
    ///   - source: Where records come from.
    ///   - store: Where counts and offsets go.
    ///   - decoder: Turns record values into events.
    ///   - deadLetterSink: Where records that cannot be counted go.
    ///   - configuration: Batching and retry settings.
    ///   - clock: The pipeline's time.
    ///   - holdsCommits: Whether background commits stay in flight until `commits.finish(with:)`.
    ///   - seed: The seed of the retry jitter.
    ///   - logger: Where the pipeline logs.
    public init(
        source: any EventSource, store: any CountStore, decoder: any EventDecoder = JSONEventDecoder(),
        deadLetterSink: (any DeadLetterSink)? = nil, configuration: CountingPipeline.Configuration = .init(),
        clock: ManualClock = ManualClock(), holdsCommits: Bool = false, seed: UInt64 = 0,
        logger: Logger = Logger(label: "foodcount.pipeline")
    ) {
        self.clock = clock
        commits = ManualCommitRunner(store: store, holds: holdsCommits)
        pipeline = CountingPipeline(
            source: source, store: store, decoder: decoder, deadLetterSink: deadLetterSink,
            configuration: configuration, logger: logger, clock: clock, commitRunner: commits, seed: seed)
    }

    /// Starts the pipeline's source, as `run()` does first.
    public func start() throws {
        try pipeline.begin()
    }

    /// Carries out the pipeline's next action.
    /// - Returns: Whether the pipeline goes on (`false` once it has stopped; see ``error``).
    @discardableResult
    public func step() -> Bool {
        guard !hasStopped else { return false }
        steps += 1
        do {
            if try pipeline.step() { return true }
        } catch {
            self.error = error
        }
        hasStopped = true
        return false
    }

    /// Steps until `condition` holds, the pipeline stops, or `limit` steps were taken.
    /// - Returns: Whether `condition` holds.
    @discardableResult
    public func run(limit: Int = 100_000, until condition: () -> Bool) -> Bool {
        for _ in 0..<limit {
            if condition() { return true }
            guard step() else { return condition() }
        }
        return condition()
    }

    /// Asks the pipeline to stop and steps until it has.
    /// - Returns: Whether it stopped within `limit` steps.
    @discardableResult
    public func stop(abandoningRetries: Bool = false, limit: Int = 100_000) -> Bool {
        pipeline.requestStop(abandonRetries: abandoningRetries)
        return run(limit: limit) { hasStopped }
    }
}
