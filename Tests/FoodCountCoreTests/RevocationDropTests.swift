import Logging
import XCTest

@testable import FoodCountCore

/// When a revocation drops the pending work of the partitions that go instead of committing it first.
final class RevocationDropTests: XCTestCase {
    func testARevocationCommitsTheWorkFirstWhenTheAssignmentIsHeldAndThePipelineWorks() {
        XCTAssertNil(RevocationDrop(lost: false, pipelineFailed: false))
    }

    func testALostAssignmentDropsTheWorkSinceAnotherMemberMayOwnThePartitionsAlready() {
        XCTAssertEqual(RevocationDrop(lost: true, pipelineFailed: false), .lost)
        XCTAssertEqual(RevocationDrop(lost: true, pipelineFailed: true), .lost, "lost, whatever else happened")
    }

    func testAFailedPipelineDropsTheWorkSinceItCommitsNothingMore() {
        XCTAssertEqual(RevocationDrop(lost: false, pipelineFailed: true), .pipelineFailed)
    }

    func testEachDropIsLoggedAsOperatorsKnowIt() {
        XCTAssertEqual(RevocationDrop.lost.message, "assignment lost; dropping pending work")
        XCTAssertEqual(
            RevocationDrop.pipelineFailed.message, "the pipeline failed; dropping pending work of revoked partitions")
        XCTAssertEqual(
            RevocationDrop.notCommitted.message,
            "cannot commit before the partitions go; their pending work is dropped and will be read again by the next owner"
        )
    }
}
