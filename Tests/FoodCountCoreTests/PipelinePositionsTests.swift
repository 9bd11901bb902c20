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

    /// A pipeline whose partition 0 holds 7 soups of the log `A`: all read, the first 4 committed.
    private func sevenReadFourCommitted() -> SteppedPipeline {
        let run = committed(4, configuration: .init(maxBatchDelay: .seconds(60), idleFlushDelay: nil))
        run.source.append(strings: soups(3), to: p0)
        run.run("three more read, not committed yet") { run.statistics.recordsPolled == 7 }
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
        let run = sevenReadFourCommitted()
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
        run.source.replaceLog(of: p0, with: foods(["taco"]).map { Array($0.utf8) }, logID: "B")
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

    func testAReportedTopicIDTheLogsIdentityDoesNotConfirmMovesNothing() {
        let run = committed(4)
        // Metadata from a broker that lags says "Z", an ID this member never had; the log is still A.
        run.source.report(.topicID(topic: "message", id: "Z"))
        run.run("the log's identity is checked") { run.source.boundsQueries == [[p0]] }
        run.source.append(strings: soups(2), to: p0)
        run.drain()

        XCTAssertEqual(run.source.seeks, [], "an unconfirmed ID moves nothing")
        XCTAssertEqual(store(run).currentCounts, ["soup": 6], "nothing counted twice")
        run.stop()
    }

    func testATopicIDTheTopicHadBeforeItsCurrentOneIsStaleMetadataAndMovesNothing() {
        let run = committed(4)
        run.source.replaceLog(of: p0, with: foods(["taco", "taco"]).map { Array($0.utf8) }, logID: "B")
        run.source.report(.topicID(topic: "message", id: "B"))
        run.run("the partition moves to the new log") { !run.source.seeks.isEmpty }
        run.drain()
        XCTAssertEqual(run.source.seeks, [[p0: .beginning]])

        // Another broker, or an answer sent before the change, still says A.
        run.source.report(.topicID(topic: "message", id: "A"))
        let polls = run.source.pollCount
        run.run("the report is taken") { run.source.pollCount > polls + 1 }
        run.source.append(strings: foods(["taco"]), to: p0)
        run.drain()
        XCTAssertEqual(run.source.seeks, [[p0: .beginning]], "the old ID moves nothing back")
        XCTAssertEqual(store(run).currentCounts, ["soup": 4, "taco": 3], "the new log is counted once")
        XCTAssertEqual(try store(run).storedLogIDs(for: [p0]), [p0: "B"])
        run.stop()
    }

    func testAFencedPartitionWhoseStoredOffsetIsOfTheLogItReadsNowContinuesThereNotFromItsBeginning() throws {
        let run = committed(4)
        // The topic was recreated: another member noticed first and counted the new log's first two records.
        run.source.replaceLog(
            of: p0, with: foods(Array(repeating: "taco", count: 5)).map { Array($0.utf8) }, logID: "B")
        let other = try InMemoryCountStore(database: store(run).database, group: store(run).group)
        try other.commit(
            CountBatch(deltas: ["taco": 2], offsets: [p0: .init(expected: 4, next: 2, logID: "B")], eventCount: 2))
        // This member reads the new log in place from 4, is fenced, and finds the store's offset of log B.
        run.run("the fenced partition is moved") { !run.source.seeks.isEmpty }
        run.drain()

        XCTAssertEqual(run.source.seeks, [[p0: .offset(2)]], "log B is the one read now: continue at its offset")
        XCTAssertEqual(store(run).currentCounts, ["soup": 4, "taco": 5], "each record of log B counted once")
        XCTAssertEqual(store(run).currentOffsets, [p0: 5])
        XCTAssertEqual(try store(run).storedLogIDs(for: [p0]), [p0: "B"])
        run.stop()
    }

    func testRecordsFetchedAfterANewTopicIDIsReportedAreNotCountedUnderTheOldIDBeforeTheQueryConfirmsIt() {
        let run = sevenReadFourCommitted()
        // The topic is recreated and fetched in place from 7; the broker cannot say where its logs are yet.
        run.source.answersBounds = false
        run.source.replaceLog(
            of: p0, with: foods(Array(repeating: "taco", count: 10)).map { Array($0.utf8) }, logID: "B")
        run.source.report(.topicID(topic: "message", id: "B"))
        run.run("the new log's records at 7..<10 arrive and wait") { run.statistics.recordsDropped == 3 }
        XCTAssertEqual(store(run).currentOffsets, [p0: 4], "nothing committed while the log is in doubt")
        run.source.answersBounds = true
        run.run("the query confirms log B") { !run.source.seeks.isEmpty }
        run.drain()

        XCTAssertEqual(run.source.seeks, [[p0: .beginning]])
        XCTAssertEqual(store(run).currentCounts, ["soup": 7, "taco": 10], "each taco of log B counted once")
        XCTAssertEqual(store(run).currentOffsets, [p0: 10])
        XCTAssertEqual(try store(run).storedLogIDs(for: [p0]), [p0: "B"])
        run.stop()
    }

    func testRecordsFetchedWhileAnUnconfirmedTopicIDWasCheckedAreReadAgainFromWhereThePartitionStood() {
        let run = sevenReadFourCommitted()
        run.source.answersBounds = false
        run.source.report(.topicID(topic: "message", id: "Z"))  // stale metadata: the log is still A
        run.source.append(strings: foods(["taco", "taco"]), to: p0)
        run.run("the tacos arrive and wait") { run.statistics.recordsDropped == 2 }
        run.source.answersBounds = true
        run.run("the query answers log A") { !run.source.seeks.isEmpty }
        run.drain()

        XCTAssertEqual(run.source.seeks, [[p0: .offset(7)]], "back to the record after the last one read")
        XCTAssertEqual(store(run).currentCounts, ["soup": 7, "taco": 2], "nothing lost, nothing counted twice")
        XCTAssertEqual(store(run).currentOffsets, [p0: 9])
        XCTAssertEqual(try store(run).storedLogIDs(for: [p0]), [p0: "A"])
        run.stop()
    }

    func testAPartitionFencedWhileAnotherWaitsForItsLogsIdentityContinuesFromItsStoredOffset() throws {
        let q0 = SourcePartition(topic: "other", partition: 0)  // another topic: its ID is its own
        let run = SteppedPipeline(assign: [])
        run.source.append(strings: soups(4), to: p0)
        run.source.append(strings: soups(4), to: q0)
        run.source.assign([p0, q0], logIDs: [p0: "A", q0: "X"])
        run.drain()
        let other = try InMemoryCountStore(database: store(run).database, group: store(run).group)
        // Partition 0's topic log is new (B) and another member counted its first two records; the broker
        // cannot say which log partition 0 reads, so this member's fenced partition 0 waits.
        run.source.answersBounds = false
        run.source.replaceLog(
            of: p0, with: foods(Array(repeating: "taco", count: 5)).map { Array($0.utf8) }, logID: "B")
        try other.commit(
            CountBatch(deltas: ["taco": 2], offsets: [p0: .init(expected: 4, next: 2, logID: "B")], eventCount: 2))
        run.run("partition 0 is fenced and waits") { run.statistics.batchesFenced == 1 }
        // Then another member moves the other topic's partition on; this member is fenced there too.
        try other.commit(CountBatch(deltas: ["soup": 2], offsets: [q0: .init(expected: 4, next: 6)], eventCount: 2))
        run.source.append(strings: soups(2), to: q0)
        run.run("the other partition continues at its stored offset") { run.source.seeks.contains([q0: .offset(6)]) }
        XCTAssertNil(run.stepper.error, "partition 0's stored offset did not vanish: it was not read")

        run.source.answersBounds = true
        run.run("partition 0 continues in log B") { run.source.seeks.contains([p0: .offset(2)]) }
        run.drain()
        XCTAssertEqual(store(run).currentCounts, ["soup": 10, "taco": 5])
        XCTAssertEqual(store(run).currentOffsets, [p0: 5, q0: 6])
        run.stop()
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
