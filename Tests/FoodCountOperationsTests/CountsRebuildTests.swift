import FoodCountCore
import FoodCountKafka
import FoodCountOperations
import Foundation
import SQLiteStore
import XCTest

/// What a rebuild puts in place: the recount as a first commit over empty tables, into the in-memory database
/// and a real SQLite pair of files, which a consumer of the group then opens and continues from.
final class CountsRebuildTests: XCTestCase {
    private func recount() -> LogRecount {
        var recount = LogRecount()
        recount.counts = ["soup": 5, "taco": 2]
        recount.partitions = [
            0: KafkaLogReader.Outcome(next: 4, logStart: 0, records: 4),
            1: KafkaLogReader.Outcome(next: 9, logStart: 2, records: 7),
        ]
        recount.invalid = 4
        recount.valid = [0: 3, 1: 4]
        return recount
    }

    func testTheRebuiltBatchHoldsTheRecountAndFirstCommitsOfItsNextOffsetsWithTheTopicID() {
        let batch = CountsRebuild.batch(of: recount(), topic: "message", topicID: "topic-id")
        XCTAssertEqual(batch.deltas, ["soup": 5, "taco": 2])
        XCTAssertEqual(batch.eventCount, 11, "every record read, the invalid ones too")
        XCTAssertEqual(
            batch.offsets,
            [
                SourcePartition(topic: "message", partition: 0): .init(
                    expected: nil, next: 4, logID: "topic-id", counted: 3),
                SourcePartition(topic: "message", partition: 1): .init(
                    expected: nil, next: 9, logID: "topic-id", counted: 4),
            ], "each partition's valid events are its exact counted total")
    }

    func testAnInMemoryDatabaseIsReplacedWholeAndItsRewriteLockHasOneHolder() throws {
        let old = CountsSnapshot(
            counts: ["pizza": 40],
            offsets: [
                .init(group: "old", partition: SourcePartition(topic: "message", partition: 0), next: 40, topicID: nil)
            ])
        let database = InMemoryCountsDatabase(group: "counts", holding: old)
        let lock = try database.lockForRewrite()
        XCTAssertThrowsError(try database.lockForRewrite()) { error in
            XCTAssertEqual((error as? StoreError)?.code, .busy)
        }
        try database.replace(with: CountsRebuild.batch(of: recount(), topic: "message", topicID: nil))
        lock.release()
        XCTAssertNoThrow(try database.lockForRewrite().release())
        let snapshot = try database.snapshot()
        XCTAssertEqual(snapshot.counts, ["soup": 5, "taco": 2], "the old counts are gone, not added to")
        XCTAssertEqual(snapshot.offsets.map(\.group), ["counts", "counts"], "the old group's offsets are gone")
        XCTAssertEqual(try database.storedOffsets(group: "counts", topic: "message"), [0: 4, 1: 9])
    }

    func testASQLitePairIsReplacedWhileNoStoreHasItOpenAndTheGroupCountsOnFromTheRebuiltOffsets() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = SQLiteCountStore.Configuration(consumerGroup: "counts")
        configuration.databasePath = folder.appendingPathComponent("foodcount.db").path
        let files = SQLiteCountFiles(configuration: configuration)
        XCTAssertEqual(try files.storedOffsets(group: "counts", topic: "message"), [:], "no offsets file yet")
        let p0 = SourcePartition(topic: "message", partition: 0)

        let store = try SQLiteCountStore(configuration: configuration)
        try store.commit(
            CountBatch(deltas: ["pizza": 40], offsets: [p0: .init(expected: nil, next: 40)], eventCount: 40))
        XCTAssertThrowsError(try files.lockForRewrite(), "a consumer has the files open") { error in
            XCTAssertEqual((error as? StoreError)?.code, .busy)
        }
        try store.close()

        let lock = try files.lockForRewrite()
        try files.replace(with: CountsRebuild.batch(of: recount(), topic: "message", topicID: "topic-id"))
        lock.release()
        XCTAssertEqual(try files.snapshot().counts, ["soup": 5, "taco": 2])
        XCTAssertEqual(try files.storedOffsets(group: "counts", topic: "message"), [0: 4, 1: 9])
        XCTAssertEqual(try files.snapshot().offsets.map(\.counted), [3, 4], "the rebuild writes exact totals")

        let reopened = try SQLiteCountStore(configuration: configuration)
        defer { try? reopened.close() }
        XCTAssertEqual(try reopened.storedOffsets(for: [p0]), [p0: 4], "the pair proves it belongs together")
        try reopened.commit(
            CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 4, next: 5, counted: 1)], eventCount: 1))
        XCTAssertEqual(try files.snapshot().counts, ["soup": 6, "taco": 2])
        XCTAssertEqual(try files.snapshot().offsets.map(\.counted), [4, 4])
    }
}
