import XCTest

@testable import FoodCountCore

/// The partitions' bookkeeping: where assigned partitions start, what a commit stores, fences and pauses.
final class OwnershipTests: XCTestCase {
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let p1 = SourcePartition(topic: "message", partition: 1)
    private let p2 = SourcePartition(topic: "message", partition: 2)

    func testAnAssignedPartitionStartsAtItsStoredOffsetAndOneWithoutFollowsTheResetPolicy() {
        var ownership = Ownership()
        let starts = ownership.assign([p0, p1], stored: [p0: 42], storedLogIDs: [:], logIDs: [:])
        XCTAssertEqual(starts, [p0: .offset(42, sameLog: false)], "p1 has no stored offset: no start of ours")
        XCTAssertEqual(ownership.count, 2)
        XCTAssertEqual(ownership.storedOffset(of: p0), 42)
        XCTAssertNil(ownership.storedOffset(of: p1))
        XCTAssertTrue(ownership.counts(p1))
    }

    func testAPartitionOfTheSameLogStartsAtItsStoredOffsetKnownToBeThatLogs() {
        var ownership = Ownership()
        let starts = ownership.assign([p0], stored: [p0: 42], storedLogIDs: [p0: "id"], logIDs: [p0: "id"])
        XCTAssertEqual(starts, [p0: .offset(42, sameLog: true)])
    }

    func testAPartitionWhoseLogWasRecreatedStartsAtTheNewLogsBeginning() {
        var ownership = Ownership()
        let starts = ownership.assign(
            [p0, p1], stored: [p0: 42, p1: 7], storedLogIDs: [p0: "old", p1: "id"], logIDs: [p0: "new", p1: "id"])
        XCTAssertEqual(starts, [p0: .beginning, p1: .offset(7, sameLog: true)])
    }

    func testACommittedBatchAdvancesTheStoredOffsetsOfOwnedPartitionsOnly() {
        var ownership = Ownership()
        _ = ownership.assign([p0], stored: [p0: 3], storedLogIDs: [:], logIDs: [:])
        let batch = CountBatch(offsets: [p0: .init(expected: 3, next: 5), p1: .init(expected: nil, next: 9)])
        XCTAssertEqual(ownership.committed(batch), [p0: 5], "p1 was revoked meanwhile")
        XCTAssertEqual(ownership.storedOffset(of: p0), 5)
        XCTAssertFalse(ownership.owns(p1))
    }

    func testAFencedPartitionIsNotCountedUntilItContinuesFromItsStoredOffset() throws {
        var ownership = Ownership()
        _ = ownership.assign([p0, p1], stored: [p0: 3, p1: 4], storedLogIDs: [:], logIDs: [:])
        XCTAssertEqual(ownership.fence([p0, p2]), [p0], "p2 is not owned")
        XCTAssertFalse(ownership.counts(p0))
        XCTAssertTrue(ownership.owns(p0), "librdkafka keeps it assigned")

        try ownership.checkFencedStored([p0: 15])
        ownership.continueFenced(at: [p0: 15])
        XCTAssertTrue(ownership.counts(p0))
        XCTAssertEqual(ownership.storedOffset(of: p0), 15)
    }

    func testAFencedPartitionWhoseStoredOffsetVanishedCannotContinue() {
        var ownership = Ownership()
        _ = ownership.assign([p0, p1], stored: [p0: 3, p1: 4], storedLogIDs: [:], logIDs: [:])
        _ = ownership.fence([p0, p1])
        XCTAssertThrowsError(try ownership.checkFencedStored([p1: 4])) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent)
        }
    }

    func testAReassignedPartitionIsNoLongerFenced() {
        var ownership = Ownership()
        _ = ownership.assign([p0], stored: [p0: 3], storedLogIDs: [:], logIDs: [:])
        _ = ownership.fence([p0])
        _ = ownership.assign([p0], stored: [p0: 8], storedLogIDs: [:], logIDs: [:])
        XCTAssertTrue(ownership.counts(p0))
        XCTAssertEqual(ownership.storedOffset(of: p0), 8)
    }

    func testPausingTakesEachOwnedPartitionOnceAndResumingReleasesOnlyOwnedOnes() {
        var ownership = Ownership()
        _ = ownership.assign([p0, p1], stored: [:], storedLogIDs: [:], logIDs: [:])
        XCTAssertEqual(ownership.pauseAll(), [p0, p1])
        _ = ownership.assign([p2], stored: [:], storedLogIDs: [:], logIDs: [:])
        XCTAssertEqual(ownership.pauseAll(), [p2], "only the newly assigned one")
        ownership.release([p1])
        XCTAssertEqual(ownership.resumeAll(), [p0, p2])
        XCTAssertEqual(ownership.paused, [])
    }
}
