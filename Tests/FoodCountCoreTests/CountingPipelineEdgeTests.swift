import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// The pipeline at the edges of exactly-once, stepped with the in-memory source and store: stored offsets
/// moved behind a member's back, logs recreated under stored offsets, dead-letter writes that never end.
final class CountingPipelineEdgeTests: XCTestCase {
    private let fast = CountingPipeline.Configuration(maxBatchDelay: .milliseconds(5))

    func testAFencedPartitionContinuesFromTheStoredOffsetInsteadOfStalling() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(assign: [p0, p1], store: store, configuration: fast)
        run.source.append(strings: soups(10), to: p0)
        run.run { store.currentOffsets[p0] == 10 }

        // Someone moves p0's stored offset on by 5 (another member that counted 10..<15, or a person).
        store.setOffset(15, for: p0)
        run.source.append(strings: foods(Array(repeating: "skipped", count: 5) + ["pizza", "pizza", "taco"]), to: p0)
        run.source.append(strings: foods(["bagel"]), to: p1)

        run.run("p0 goes on from its stored offset 15 to the log end 18, not stall at 15") {
            store.currentOffsets[p0] == 18
        }
        run.stop()
        XCTAssertEqual(store.currentCounts, ["soup": 10, "pizza": 2, "taco": 1, "bagel": 1])
        XCTAssertEqual(store.currentOffsets, [p0: 18, p1: 1])
        XCTAssertEqual(run.statistics.batchesFenced, 1)
    }

    func testAStoredOffsetThatVanishesBehindTheMembersBackStopsThePipeline() {
        let store = InMemoryCountStore()
        let run = SteppedPipeline(store: store, configuration: fast)
        run.source.append(strings: foods(["soup"]), to: p0)
        run.run { store.currentOffsets[p0] == 1 }

        store.setOffset(nil, for: p0)
        run.source.append(strings: foods(["pizza"]), to: p0)

        run.run("no guess where to continue") { run.stepper.hasStopped }
        XCTAssertEqual((run.stepper.error as? StoreError)?.code, .inconsistent)
        XCTAssertEqual(store.currentCounts, ["soup": 1])
    }

    func testAPartitionWhoseLogWasRecreatedIsCountedFromTheNewLogsBeginning() throws {
        let store = InMemoryCountStore()
        try store.commit(CountBatch(offsets: [p0: .init(expected: nil, next: 100, logID: "old-topic-id")]))
        let run = SteppedPipeline(assign: [], store: store, configuration: fast)
        run.source.append(strings: foods(["soup", "soup", "pizza"]), to: p0)
        run.source.assign([p0], logIDs: [p0: "new-topic-id"])

        run.run("the new log starts at 0, below the old log's stored offset 100") { store.currentOffsets[p0] == 3 }
        run.stop()

        XCTAssertEqual(store.currentCounts, ["soup": 2, "pizza": 1])
        XCTAssertEqual(try store.storedLogIDs(for: [p0]), [p0: "new-topic-id"], "the new log's ID is stored with it")
        XCTAssertEqual(store.committedBatches.last?.offsets[p0]?.expected, 100, "the move goes through the fence")
    }

    func testANewLogIsRefusedWhenTheConfigurationSaysSoNamingBothTopicIDs() throws {
        let store = InMemoryCountStore()
        try store.commit(CountBatch(offsets: [p0: .init(expected: nil, next: 100, logID: "old-topic-id")]))
        var configuration = fast
        configuration.onNewLog = .refuse
        let run = SteppedPipeline(assign: [], store: store, configuration: configuration)
        run.source.append(strings: foods(["soup"]), to: p0)
        run.source.assign([p0], logIDs: [p0: "new-topic-id"])

        run.run { run.stepper.hasStopped }

        let error = try XCTUnwrap(run.stepper.error as? PipelineError)
        XCTAssertEqual(error.code, .newLogRefused)
        XCTAssertTrue(error.message.contains("old-topic-id → new-topic-id"), error.message)
        XCTAssertTrue(error.message.contains("foodcount rebuild"), error.message)
        XCTAssertEqual(store.currentCounts, [:])
        XCTAssertEqual(store.currentOffsets, [p0: 100])
    }

    func testAPartitionOfTheSameLogStartsAtItsStoredOffset() throws {
        let store = InMemoryCountStore()
        try store.commit(CountBatch(offsets: [p0: .init(expected: nil, next: 2, logID: "topic-id")]))
        let run = SteppedPipeline(assign: [], store: store, configuration: fast)
        run.source.append(strings: foods(["counted", "counted", "pizza"]), to: p0)
        run.source.assign([p0], logIDs: [p0: "topic-id"])

        run.run { store.currentOffsets[p0] == 3 }
        run.stop()

        XCTAssertEqual(store.currentCounts, ["pizza": 1])
    }

    func testADeadLetterWriteThatNeverAnswersEndsWithTheStopAndStoresNothingPastIt() {
        let store = InMemoryCountStore()
        let sink = UnansweredDeadLetterSink()
        var configuration = fast
        configuration.shutdownRetryBudget = .milliseconds(300)
        configuration.deadLetterTimeout = .seconds(60)
        let run = SteppedPipeline(store: store, deadLetterSink: sink, configuration: configuration)
        run.source.append(strings: foods(["soup"]) + ["not json"] + foods(["pizza"]), to: p0)
        var stopAsked: ContinuousClock.Instant?
        sink.whileWaiting = {  // the stop comes while the loop waits for an acknowledgement
            if stopAsked == nil {
                stopAsked = run.clock.now
                run.pipeline.requestStop()
            }
        }

        run.run { run.stepper.hasStopped }
        XCTAssertNil(run.stepper.error)

        let asked = try! XCTUnwrap(stopAsked)
        XCTAssertEqual(sink.waits.first?.deadline, asked.advanced(by: .seconds(60)), "the loop's wait: 60 s")
        XCTAssertEqual(sink.waits.first?.endedByStop, true, "a stop ends the loop's dead-letter wait")
        XCTAssertTrue(
            sink.waits.dropFirst().allSatisfy { $0.deadline <= asked.advanced(by: .milliseconds(300)) },
            "the shutdown's waits end within its budget")
        XCTAssertLessThanOrEqual(asked.duration(to: run.clock.now), .milliseconds(300))
        XCTAssertEqual(store.currentOffsets, [:], "nothing past an unacknowledged dead letter is stored")

        // The next run writes it (the DLQ may hold it twice, the counts never).
        let letters = InMemoryDeadLetterSink()
        let again = SteppedPipeline(store: store, deadLetterSink: letters, configuration: fast)
        again.source.append(strings: foods(["soup"]) + ["not json"] + foods(["pizza"]), to: p0)
        again.run { store.currentOffsets == [p0: 3] }
        again.stop()
        XCTAssertEqual(store.currentCounts, ["soup": 1, "pizza": 1])
        XCTAssertEqual(letters.letters.map(\.record.offset), [1])
    }
}

/// A dead-letter sink that never acknowledges: each send fails once its wait ends, by its deadline or its
/// stop (a stepped pipeline's deadlines are never reached by waiting, so `whileWaiting` plays the time that
/// passes meanwhile).
final class UnansweredDeadLetterSink: DeadLetterSink, @unchecked Sendable {
    private(set) var waits: [(deadline: ContinuousClock.Instant, endedByStop: Bool)] = []
    var whileWaiting: () -> Void = {}

    func send(_ letters: [DeadLetter], deadline: ContinuousClock.Instant, shouldStop: () -> Bool) -> [(any Error)?] {
        whileWaiting()
        waits.append((deadline, shouldStop()))
        return letters.map { _ in InMemoryDeadLetterSink.WriteFailure() }
    }
}
