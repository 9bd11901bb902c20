import XCTest

@testable import FoodCountCore

/// The partitions' bookkeeping: what an assignment, a commit, a fence and a move do, and pauses.
final class OwnershipTests: XCTestCase {
    private let p2 = SourcePartition(topic: "message", partition: 2)

    func testAnAssignedPartitionKeepsItsStoredOffsetLogAndPosition() {
        var ownership = Ownership()
        ownership.assign(p0, stored: StoredPosition(next: 42), logID: "id", start: .offset(42))
        ownership.assign(p1, stored: nil, logID: nil, start: nil)
        XCTAssertEqual(ownership.count, 2)
        XCTAssertEqual(ownership.storedOffset(of: p0), 42)
        XCTAssertEqual(ownership.positions, [p0: 42], "p1 starts by the reset policy: its position is unknown")
        XCTAssertEqual(ownership.logIDs, [p0: "id"])
        XCTAssertNil(ownership.storedOffset(of: p1))
        XCTAssertTrue(ownership.counts(p1))
    }

    func testACommittedBatchAdvancesTheStoredOffsetsOfOwnedPartitionsOnly() {
        var ownership = Ownership()
        ownership.assign(p0, stored: StoredPosition(next: 3), logID: nil, start: .offset(3))
        let batch = CountBatch(offsets: [p0: .init(expected: 3, next: 5), p1: .init(expected: nil, next: 9)])
        XCTAssertEqual(ownership.committed(batch), [p0: 5], "p1 was revoked meanwhile")
        XCTAssertEqual(ownership.storedOffset(of: p0), 5)
        XCTAssertEqual(ownership.positions[p0], 5)
        XCTAssertFalse(ownership.owns(p1))
    }

    func testAPartitionMovedForwardWhileItsBatchCommittedStaysWhereItWent() {
        var ownership = Ownership()
        ownership.assign(p0, stored: StoredPosition(next: 3), logID: nil, start: .offset(3))
        ownership.moved(p0, to: .offset(20))
        _ = ownership.committed(CountBatch(offsets: [p0: .init(expected: 3, next: 5)]))
        XCTAssertEqual(ownership.positions[p0], 20)
        XCTAssertEqual(ownership.storedOffset(of: p0), 5)
    }

    func testAFencedPartitionIsNotCountedUntilItIsMoved() {
        var ownership = Ownership()
        ownership.assign(p0, stored: StoredPosition(next: 3), logID: nil, start: .offset(3))
        ownership.assign(p1, stored: StoredPosition(next: 4), logID: nil, start: .offset(4))
        XCTAssertEqual(ownership.fence([p0, p2]), [p0], "p2 is not owned")
        XCTAssertFalse(ownership.counts(p0))
        XCTAssertTrue(ownership.owns(p0), "the source keeps it assigned")

        ownership.moved(p0, to: .offset(15), stored: StoredPosition(next: 15))
        XCTAssertTrue(ownership.counts(p0))
        XCTAssertEqual(ownership.storedOffset(of: p0), 15)
        XCTAssertEqual(ownership.positions[p0], 15)
    }

    func testAnOutOfRangePartitionIsNotCountedUntilItIsMovedAndIsMarkedOnce() {
        var ownership = Ownership()
        ownership.assign(p0, stored: StoredPosition(next: 3), logID: nil, start: .offset(3))
        XCTAssertTrue(ownership.markOutOfRange(p0))
        XCTAssertFalse(ownership.markOutOfRange(p0), "already marked")
        XCTAssertFalse(ownership.markOutOfRange(p2), "not owned")
        XCTAssertFalse(ownership.counts(p0))
        ownership.moved(p0, to: .beginning)
        XCTAssertTrue(ownership.counts(p0))
        XCTAssertNil(ownership.positions[p0], "the beginning of a log: any first offset")
    }

    func testAReassignedPartitionIsNoLongerFencedOrNoted() {
        var ownership = Ownership()
        ownership.assign(p0, stored: StoredPosition(next: 3), logID: nil, start: .offset(3))
        _ = ownership.fence([p0])
        XCTAssertTrue(ownership.noteWatermark(p0))
        XCTAssertFalse(ownership.noteWatermark(p0), "noted once per assignment")
        ownership.assign(p0, stored: StoredPosition(next: 8), logID: nil, start: .offset(8))
        XCTAssertTrue(ownership.counts(p0))
        XCTAssertEqual(ownership.storedOffset(of: p0), 8)
        XCTAssertTrue(ownership.noteWatermark(p0))
    }

    func testPausingTakesEachOwnedPartitionOnceAndResumingReleasesOnlyOwnedOnes() {
        var ownership = Ownership()
        ownership.assign(p0, stored: nil, logID: nil, start: nil)
        ownership.assign(p1, stored: nil, logID: nil, start: nil)
        XCTAssertEqual(ownership.pauseAll(), [p0, p1])
        ownership.assign(p2, stored: nil, logID: nil, start: nil)
        XCTAssertEqual(ownership.pauseAll(), [p2], "only the newly assigned one")
        ownership.release([p1])
        XCTAssertEqual(ownership.resumeAll(), [p0, p2])
        XCTAssertEqual(ownership.paused, [])
    }
}
