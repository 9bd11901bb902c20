import FoodCountCore
import FoodCountTesting
import Foundation
import XCTest

/// The conformance suite catches stores that break the contract: each check fails for a store that breaks
/// its rule.
final class CountStoreConformanceTests: XCTestCase {
    func testAStoreThatNeverFencesFailsTheFencingChecks() async {
        let violations = await violations(of: .ignoresExpectedOffsets)
        XCTAssertTrue(violations.contains(.aFirstCommitIsFencedUnlessItFindsNoStoredRow), "\(violations)")
        XCTAssertTrue(violations.contains(.aBatchIsFencedWhenAnotherMemberMovedTheOffsetOn), "\(violations)")
        XCTAssertTrue(violations.contains(.aFencedBatchWritesNothing), "\(violations)")
    }

    func testAStoreThatWritesDeltasOfAFencedBatchFailsTheAtomicityCheck() async {
        let violations = await violations(of: .writesDeltasBeforeFencing)
        XCTAssertTrue(violations.contains(.aFencedBatchWritesNothing), "\(violations)")
        XCTAssertFalse(violations.contains(.deltasAndOffsetsCommitTogether), "\(violations)")
    }

    func testAStoreThatForgetsOffsetsWhenReopenedFailsTheReopenCheck() async {
        let violations = await violations(of: .forgetsOnReopen)
        XCTAssertTrue(violations.contains(.storedOffsetsSurviveAReopen), "\(violations)")
        XCTAssertFalse(violations.contains(.deltasAndOffsetsCommitTogether), "\(violations)")
    }

    func testAStoreThatReportsEveryFailureAsOtherFailsTheErrorCodeChecks() async {
        let violations = await violations(of: .reportsFailuresAsOther)
        XCTAssertEqual(
            violations,
            [
                .aLockedStoreFailsAsBusyAndARetrySucceeds, .aReadOnlyStoreFailsAsReadOnlyAndWritesNothing,
                .aCorruptStoreFailsAsCorruptAndWritesNothing,
            ])
    }

    func testAStoreThatKeepsNoLogIDsFailsTheCommitAndReopenChecks() async {
        let violations = await violations(of: .keepsNoLogIDs)
        XCTAssertEqual(
            violations,
            [.deltasAndOffsetsCommitTogether, .aBatchIsFencedWhenItsVersionOrLogIsStale, .storedOffsetsSurviveAReopen])
    }

    func testAStoreThatKeepsNoVersionsFailsTheVersionCheckOnly() async {
        let violations = await violations(of: .keepsNoVersions)
        XCTAssertEqual(violations, [.aBatchIsFencedWhenItsVersionOrLogIsStale])
    }

    func testAStoreThatKeepsNoCountedTotalsFailsTheTotalsCheckOnly() async {
        let violations = await violations(of: .keepsNoCountedTotals)
        XCTAssertEqual(violations, [.countedTotalsAccumulateWithTheOffsets])
    }

    func testAStoreThatAddsTheTotalsOfAFencedBatchFailsTheTotalsCheck() async {
        let violations = await violations(of: .addsTotalsBeforeFencing)
        XCTAssertTrue(violations.contains(.countedTotalsAccumulateWithTheOffsets), "\(violations)")
        XCTAssertFalse(violations.contains(.deltasAndOffsetsCommitTogether), "\(violations)")
    }

    func testTheFakeAloneBreaksNoRule() async {
        let violations = await violations(of: nil)
        XCTAssertEqual(violations, [])
    }

    func testAViolationNamesTheCheckItsRuleAndWhatWasFound() async throws {
        let suite = CountStoreConformance { Self.storage(flaw: .forgetsOnReopen) }
        do {
            try await suite.verify(.storedOffsetsSurviveAReopen)
            XCTFail("a store that forgets its offsets must fail the check")
        } catch {
            XCTAssertEqual(error.check, .storedOffsetsSurviveAReopen)
            XCTAssertTrue("\(error)".hasPrefix("storedOffsetsSurviveAReopen: Stored offsets"), "\(error)")
            XCTAssertTrue("\(error)".contains("stored offsets after a reopen: found [:]"), "\(error)")
            XCTAssertTrue(error.file.hasSuffix("CountStoreConformance+Checks.swift"), error.file)
        }
    }

    /// The checks a store with this flaw breaks, in the suite's order.
    private func violations(of flaw: FlawedCountStore.Flaw?) async -> [CountStoreConformance.Check] {
        do {
            try await CountStoreConformance { Self.storage(flaw: flaw) }.verifyAll()
            return []
        } catch {
            return error.violations.compactMap(\.check)
        }
    }

    private static func storage(flaw: FlawedCountStore.Flaw?) -> CountStoreConformance.Storage {
        let inner = InMemoryCountStore()
        let store = FlawedCountStore(inner: inner, flaw: flaw)
        return CountStoreConformance.Storage(
            open: { flaw == .forgetsOnReopen ? store.reopened() : store },
            close: { _ in },
            counts: { try await store.current.counts() },
            provoke: { code in
                store.current.simulate(code)
                return { store.current.simulate(nil) }
            })
    }
}

/// An in-memory store with one flaw that breaks the contract.
private final class FlawedCountStore: CountStore, @unchecked Sendable {
    enum Flaw {
        case ignoresExpectedOffsets
        case writesDeltasBeforeFencing
        case forgetsOnReopen
        case reportsFailuresAsOther
        case keepsNoLogIDs
        /// Reads offsets, log IDs and counted totals, but no versions.
        case keepsNoVersions
        /// Reads no counted totals.
        case keepsNoCountedTotals
        /// Adds the counted events of every partition of a batch to its total before the batch is fenced.
        case addsTotalsBeforeFencing
    }

    private let lock = NSLock()
    private var inner: InMemoryCountStore
    private let flaw: Flaw?
    /// What ``Flaw/addsTotalsBeforeFencing`` added to the totals of batches that were then fenced.
    private var leaked: [SourcePartition: Int64] = [:]

    init(inner: InMemoryCountStore, flaw: Flaw?) {
        self.inner = inner
        self.flaw = flaw
    }

    var current: InMemoryCountStore { lock.withLock { inner } }

    /// The same store over empty storage, as a store that kept nothing would be found after a restart.
    func reopened() -> FlawedCountStore {
        lock.withLock { inner = InMemoryCountStore() }
        return self
    }

    func storedOffsets(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: Int64] {
        try current.storedOffsets(for: partitions)
    }

    func storedLogIDs(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: String] {
        flaw == .keepsNoLogIDs ? [:] : try current.storedLogIDs(for: partitions)
    }

    func storedPositions(for partitions: [SourcePartition]) throws(StoreError) -> [SourcePartition: StoredPosition] {
        var positions = try current.storedPositions(for: partitions)
        for (partition, position) in positions {
            if flaw == .keepsNoLogIDs { positions[partition]?.logID = nil }
            if flaw == .keepsNoVersions { positions[partition]?.version = nil }
            if flaw == .keepsNoCountedTotals { positions[partition]?.counted = nil }
            if flaw == .addsTotalsBeforeFencing, let leaked = lock.withLock({ self.leaked[partition] }) {
                positions[partition]?.counted = position.counted.map { $0 + leaked }
            }
        }
        return positions
    }

    func commit(_ batch: CountBatch) throws(StoreError) {
        let store = current
        switch flaw {
        case .ignoresExpectedOffsets:
            for (partition, advance) in batch.offsets { store.setOffset(advance.expected, for: partition) }
            try store.commit(batch)
        case .writesDeltasBeforeFencing:
            try store.commit(CountBatch(deltas: batch.deltas))
            try store.commit(CountBatch(offsets: batch.offsets, eventCount: batch.eventCount))
        case .reportsFailuresAsOther:
            do {
                try store.commit(batch)
            } catch  where error.code != .fenced {
                throw StoreError(code: .other, message: error.message)
            }
        case .addsTotalsBeforeFencing:
            do {
                try store.commit(batch)
            } catch  where error.code == .fenced {
                lock.withLock {
                    for (partition, advance) in batch.offsets { leaked[partition, default: 0] += advance.counted }
                }
                throw error
            }
        case .forgetsOnReopen, .keepsNoLogIDs, .keepsNoVersions, .keepsNoCountedTotals, nil:
            try store.commit(batch)
        }
    }
}
