import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// The rules of `docs/design.md`, "Positions", one test per row: the source only reports facts, and the
/// machine alone moves a partition, backward only on a new topic ID or an out-of-range the log's bounds
/// confirm, and through the fence.
final class PipelinePositionsTests: XCTestCase {
    /// A pipeline whose partition 0 is of the log `A` and holds `count` soups, read and committed.
    private func committed(_ count: Int, configuration: CountingPipeline.Configuration = .init()) -> SteppedPipeline {
        let run = SteppedPipeline(assign: [], configuration: configuration)
        run.source.replaceLog(of: p0, with: soups(count).map { Array($0.utf8) }, logID: "A")
        run.source.assign([p0])
        run.drain()
        return run
    }

    private func store(_ run: SteppedPipeline) -> InMemoryCountStore {
        guard let store = run.store as? InMemoryCountStore else { preconditionFailure("an in-memory store") }
        return store
    }

    func testAHighWatermarkBelowThePositionMovesNothingAndOnlyHasTheLogsIdentityChecked() {
        let run = committed(10)
        run.source.report(.watermarkBelowPosition(p0, highWatermark: 3, position: 10))
        run.run("the log's identity is checked") { run.source.boundsQueries == [[p0]] }
        run.source.append(strings: soups(5), to: p0)
        run.drain()

        XCTAssertEqual(run.source.seeks, [], "a watermark below the position moves nothing")
        XCTAssertEqual(store(run).currentOffsets, [p0: 15])
        XCTAssertEqual(store(run).currentCounts, ["soup": 15], "nothing read again, nothing counted twice")
        run.stop()
    }

    func testAnOutOfRangeTheLogsBoundsDoNotConfirmResumesAtThePosition() {
        let run = committed(10)
        run.source.report(.outOfRange(p0))  // the log still holds 0..<10: the position 10 is its end
        run.run("the out-of-range report is checked and fetching resumes") { !run.source.seeks.isEmpty }
        XCTAssertEqual(run.source.seeks, [[p0: .offset(10)]])
        run.source.append(strings: soups(5), to: p0)
        run.drain()

        XCTAssertEqual(store(run).currentCounts, ["soup": 15])
        XCTAssertEqual(run.statistics.eventsSkipped, 0)
        run.stop()
    }

    func testAPositionRetentionRemovedMovesForwardToTheLogStartAndReportsTheRecordsSkipped() {
        let store = InMemoryCountStore(offsets: [p0: 3])
        let run = SteppedPipeline(assign: [], store: store)
        run.source.append(strings: soups(20), to: p0)
        run.source.removeRecords(of: p0, below: 8)
        run.source.assign([p0])  // starts at the stored offset 3, which retention removed
        run.drain()

        XCTAssertEqual(run.source.seeks, [[p0: .offset(8)]], "forward to the log's start, never to its beginning")
        XCTAssertEqual(run.statistics.eventsSkipped, 5, "offsets 3..<8 were removed before they were counted")
        XCTAssertEqual(store.currentOffsets, [p0: 20])
        XCTAssertEqual(store.currentCounts, ["soup": 12])
        run.stop()
    }

    func testALogThatLostItsTailMovesBackToItsNewEndThroughTheFenceAndCountsWhatIsWrittenThere() {
        let run = committed(10)
        // An unclean leader election: the log now ends at 6; the position 10 is out of range.
        run.source.replaceLog(of: p0, with: soups(6).map { Array($0.utf8) })
        run.run("the move back is stored at once") { self.store(run).currentOffsets == [p0: 6] }
        let move = store(run).committedBatches.last
        XCTAssertEqual(move?.deltas, [:], "the move counts nothing")
        XCTAssertEqual(move?.offsets[p0]?.expected, 10, "the move expects where the store stands: the fence")
        XCTAssertNotNil(move?.offsets[p0]?.expectedVersion, "and the version it read")
        run.source.append(strings: foods(["taco", "taco"]), to: p0)  // offsets 6 and 7, written after the loss
        run.drain()

        XCTAssertEqual(run.source.seeks, [[p0: .offset(6)]])
        XCTAssertEqual(store(run).currentOffsets, [p0: 8])
        XCTAssertEqual(store(run).currentCounts, ["soup": 10, "taco": 2], "the lost tail stays counted")
        run.stop()
    }

    func testARecreatedTopicCommitsTheOldLogsWorkThenCountsTheNewLogFromItsBeginningUnderItsID() {
        let run = committed(4, configuration: .init(maxBatchDelay: .seconds(60), idleFlushDelay: nil))
        run.source.append(strings: soups(3), to: p0)
        run.run("three more read, not committed yet") { run.statistics.recordsPolled == 7 }
        XCTAssertEqual(store(run).currentOffsets, [p0: 4])

        run.source.replaceLog(of: p0, with: foods(["taco", "taco"]).map { Array($0.utf8) }, logID: "B")
        run.source.report(.topicID(topic: "message", id: "B"))
        run.run("the old log's work is committed under its ID first") { self.store(run).currentOffsets == [p0: 7] }
        XCTAssertEqual(store(run).committedBatches.last?.offsets[p0]?.logID ?? "A", "A")
        run.run("then the partition continues in the new log") { run.source.seeks == [[p0: .beginning]] }
        run.drain()
        XCTAssertNil(run.pipeline.health.awaitingRecreatedTopic, "ready again once moved")

        XCTAssertEqual(store(run).currentOffsets, [p0: 2])
        XCTAssertEqual(store(run).currentCounts, ["soup": 7, "taco": 2])
        XCTAssertEqual(try store(run).storedLogIDs(for: [p0]), [p0: "B"], "the stored ID follows the next commit")
        run.stop()
    }

    func testARecreatedTopicStopsThePipelineNamingBothIDsWhenNewLogsAreRefused() {
        let run = committed(4, configuration: .init(onNewLog: .refuse))
        run.source.report(.topicID(topic: "message", id: "B"))
        _ = run.stepper.run { run.stepper.error != nil }

        let error = run.stepper.error as? PipelineError
        XCTAssertEqual(error?.code, .newLogRefused)
        XCTAssertTrue(
            error.map { $0.message.contains("A → B") && $0.message.contains("foodcount rebuild") } ?? false,
            "\(String(describing: error))")
        XCTAssertEqual(run.source.seeks, [], "nothing moved")
        XCTAssertEqual(store(run).currentCounts, ["soup": 4])
    }

    func testATopicIDReportedAgainOrForAnotherTopicMovesNothing() {
        let run = committed(4)
        run.source.report(.topicID(topic: "message", id: "A"))
        run.source.report(.topicID(topic: "other", id: "Z"))
        run.source.append(strings: soups(2), to: p0)
        run.drain()

        XCTAssertEqual(run.source.seeks, [])
        XCTAssertEqual(store(run).currentCounts, ["soup": 6])
        run.stop()
    }

    func testRecordsArrivingBelowThePartitionsPositionAreNeverCountedAgain() {
        let run = committed(10)
        // A source that delivers offsets 5..<12 again (a seek of its own, a replayed fetch).
        run.pipeline.process((5..<12).map { record(p0, Int64($0), #"{"food": "soup"}"#) })
        run.drain()

        XCTAssertEqual(run.statistics.duplicatesDropped, 5, "offsets 5..<10 were counted already")
        XCTAssertEqual(store(run).currentOffsets, [p0: 12])
        XCTAssertEqual(store(run).currentCounts, ["soup": 12])
        run.stop()
    }
}
