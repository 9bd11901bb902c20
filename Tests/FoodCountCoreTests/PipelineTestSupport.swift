import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// The partitions the pipeline tests use.
let p0 = SourcePartition(topic: "message", partition: 0)
let p1 = SourcePartition(topic: "message", partition: 1)

/// JSON events of these foods.
func foods(_ names: [String]) -> [String] { names.map { #"{"food": "\#($0)"}"# } }

/// `count` soups.
func soups(_ count: Int) -> [String] { foods(Array(repeating: "soup", count: count)) }

/// A record of a food at an offset.
func record(_ partition: SourcePartition, _ offset: Int64, _ value: String?) -> SourceRecord {
    SourceRecord(partition: partition, offset: offset, value: value.map { Array($0.utf8) })
}

/// A pipeline over the in-memory source and a store, stepped on a manual clock: no threads, no sleeps.
final class SteppedPipeline {
    let clock = ManualClock()
    let source: InMemoryEventSource
    let store: any CountStore
    let stepper: PipelineStepper
    var pipeline: CountingPipeline { stepper.pipeline }
    var commits: ManualCommitRunner { stepper.commits }
    var statistics: PipelineStatistics { pipeline.statistics }
    /// When the pipeline started.
    let started: ContinuousClock.Instant

    init(
        assign partitions: [SourcePartition] = [p0], store: any CountStore = InMemoryCountStore(),
        decoder: any EventDecoder = JSONEventDecoder(), deadLetterSink: (any DeadLetterSink)? = nil,
        configuration: CountingPipeline.Configuration = .init(maxBatchDelay: .seconds(60)), holdsCommits: Bool = false
    ) {
        source = InMemoryEventSource(assignOnStart: partitions, clock: clock)
        self.store = store
        stepper = PipelineStepper(
            source: source, store: store, decoder: decoder, deadLetterSink: deadLetterSink,
            configuration: configuration, clock: clock, holdsCommits: holdsCommits)
        started = clock.now
        XCTAssertNoThrow(try stepper.start())
    }

    /// How long the pipeline has run on its clock.
    var elapsed: Duration { started.duration(to: clock.now) }

    /// Whether nothing is pending or in flight.
    var isIdle: Bool { pipeline.machine.pending.isEmpty && pipeline.machine.inFlight == nil }

    /// Steps until the source is read to its end and everything read is committed.
    @discardableResult
    func drain(file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let drained = stepper.run { source.isDrained && source.pollCount > 1 && isIdle }
        XCTAssertTrue(
            drained, "not drained: \(stepper.error.map { "\($0)" } ?? "still running")", file: file, line: line)
        return drained
    }

    /// Steps until `condition` holds; fails the test if it never does.
    @discardableResult
    func run(
        _ message: String = "", limit: Int = 100_000, file: StaticString = #filePath, line: UInt = #line,
        until condition: () -> Bool
    ) -> Bool {
        let held = stepper.run(limit: limit, until: condition)
        XCTAssertTrue(held, "\(message) (error: \(stepper.error.map { "\($0)" } ?? "none"))", file: file, line: line)
        return held
    }

    /// Stops the pipeline, failing the test if it does not stop, or stops with an error.
    func stop(abandoningRetries: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(stepper.stop(abandoningRetries: abandoningRetries), "did not stop", file: file, line: line)
        XCTAssertNil(stepper.error, "the pipeline failed", file: file, line: line)
    }
}

/// A store that counts commit attempts and fails them while ``failing`` is set (transiently, writing nothing).
final class ScriptedCountStore: CountStore, @unchecked Sendable {
    let inner = InMemoryCountStore()
    private let lock = NSLock()
    private var attempts = 0
    private var fails = false

    /// How many commits were attempted.
    var commitAttempts: Int { lock.withLock { attempts } }

    /// Whether commits fail with `busy`.
    var failing: Bool {
        get { lock.withLock { fails } }
        set { lock.withLock { fails = newValue } }
    }

    func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        try inner.storedOffsets(for: partitions)
    }

    func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        try inner.storedLogIDs(for: partitions)
    }

    func storedPositions(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: StoredPosition] {
        try inner.storedPositions(for: partitions)
    }

    func commit(_ batch: CountBatch) throws(StoreError) {
        lock.withLock { attempts += 1 }
        if failing { throw StoreError(code: .busy, message: "database is locked") }
        try inner.commit(batch)
    }
}

/// A decoder whose result changes with every call, so it must not be memoized.
final class NumberingDecoder: EventDecoder, @unchecked Sendable {
    private var calls = 0

    func decode(_ value: UnsafeRawBufferPointer?) throws(EventDecodingError) -> FoodEvent {
        calls += 1
        return FoodEvent(category: "call-\(calls)")
    }
}

extension CountingPipeline {
    /// Counts records held in an array as one poll, on the test's thread.
    func process(_ records: [SourceRecord]) {
        for run in SourceRecordRun.runs(of: records) { process(run) }
        machine.pollEnded(visited: records.count, began: clock.now, caughtUp: false, facts: [], now: clock.now)
    }
}
