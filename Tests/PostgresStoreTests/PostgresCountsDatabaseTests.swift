import FoodCountCore
import Foundation
import TestSupport
import XCTest

@testable import PostgresStore

/// What the operator commands do to a PostgreSQL database: one consistent read, the counts lock that keeps
/// consumers and a rewrite apart, the replacement of counts and offsets in one transaction, and the refusal
/// of a group that would count the log again.
final class PostgresCountsDatabaseTests: XCTestCase {
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let p1 = SourcePartition(topic: "message", partition: 1)

    private func configuration(_ database: PostgresTestDatabase, group: String = "counts")
        -> PostgresCountStore.Configuration
    {
        .init(location: database.location, consumerGroup: group, lockTimeout: .seconds(2))
    }

    func testASnapshotReadsTheCountsAndEveryGroupsOffsetsAndAnEmptyDatabaseReadsAsNothing() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let operator_ = PostgresCountsDatabase(configuration: configuration(database))
        defer { operator_.close() }
        let empty = try operator_.snapshot()
        XCTAssertEqual(empty.counts, [:])
        XCTAssertEqual(empty.offsets, [])

        let store = try PostgresCountStore(configuration: configuration(database))
        try store.commit(
            CountBatch(
                deltas: ["soup": 3, "caf\u{E9}": 1],
                offsets: [p0: .init(expected: nil, next: 5, logID: "id", counted: 4)],
                eventCount: 5))
        store.close()
        try database.execute(#"INSERT INTO food_counts (category, count) VALUES (U&'cafe\0301', 1)"#)
        let snapshot = try operator_.snapshot()
        XCTAssertEqual(snapshot.counts, ["soup": 3, "café": 2], "canonically equal spellings are one category")
        XCTAssertEqual(
            snapshot.offsets, [.init(group: "counts", partition: p0, next: 5, topicID: "id", counted: 4)],
            "the partition's counted total is read with its offset")
        XCTAssertEqual(snapshot.storedOffsets(group: "counts", topic: "message"), [0: 5])
    }

    func testTheRewriteLockWaitsForNoConsumerAndKeepsConsumersOutUntilReleased() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let operator_ = PostgresCountsDatabase(configuration: configuration(database))
        defer { operator_.close() }
        let store = try PostgresCountStore(configuration: configuration(database))
        XCTAssertThrowsError(try operator_.lockForRewrite(), "a consumer is connected") { error in
            XCTAssertEqual((error as? StoreError)?.code, .busy, "\(error)")
        }
        store.close()

        let lock = try operator_.lockForRewrite()
        XCTAssertThrowsError(try operator_.lockForRewrite(), "a second command") { error in
            XCTAssertEqual((error as? StoreError)?.code, .busy, "\(error)")
        }
        XCTAssertThrowsError(try PostgresCountStore(configuration: configuration(database)), "no consumer connects") {
            error in
            XCTAssertEqual((error as? StoreError)?.code, .busy, "\(error)")
            XCTAssertTrue("\(error)".contains("rewriting the counts"), "\(error)")
        }
        lock.release()
        XCTAssertNoThrow(try PostgresCountStore(configuration: configuration(database)).close())
    }

    func testAStoreThatReconnectsDuringARewriteWaitsAsBusyThenIsFencedOntoTheRebuiltOffsets() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: configuration(database))
        defer { store.close() }
        try store.commit(
            CountBatch(deltas: ["pizza": 10], offsets: [p0: .init(expected: nil, next: 10)], eventCount: 10))
        // The consumer's session ends (a network cut, say); a rewrite takes the lock before it reconnects.
        _ = try database.executeOnServer(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database.location.database)'")
        let operator_ = PostgresCountsDatabase(configuration: configuration(database))
        defer { operator_.close() }
        XCTAssertTrue(eventually(timeout: 10) { (try? operator_.lockForRewrite())?.releaseAndReturnTrue() ?? false })
        let lock = try operator_.lockForRewrite()
        let next = CountBatch(deltas: ["pizza": 2], offsets: [p0: .init(expected: 10, next: 12)], eventCount: 2)
        // The first attempt may still find the ended session; then it connects again and is refused.
        var failures: [StoreError] = []
        for _ in 0..<3 where failures.last?.code != .busy {
            do {
                try store.commit(next)
                XCTFail("committed during the rewrite")
            } catch {
                failures.append(error)
            }
        }
        XCTAssertEqual(failures.last?.code, .busy, "\(failures)")
        XCTAssertTrue(failures.allSatisfy(\.isTransient), "the pipeline retries them: \(failures)")
        try operator_.replaceAll(
            with: CountBatch(
                deltas: ["pizza": 11],
                offsets: [p0: .init(expected: nil, next: 11), p1: .init(expected: nil, next: 0)],
                eventCount: 11))
        lock.release()

        XCTAssertThrowsError(try store.commit(next), "its batch was counted by the rebuild") { error in
            XCTAssertEqual((error as? StoreError)?.code, .fenced, "\(error)")
        }
        XCTAssertEqual(try store.storedOffsets(for: [p0, p1]), [p0: 11, p1: 0])
        try store.commit(CountBatch(deltas: ["pizza": 1], offsets: [p0: .init(expected: 11, next: 12)], eventCount: 1))
        XCTAssertEqual(try operator_.snapshot().counts, ["pizza": 12], "counted exactly once")
    }

    func testAReplacementLeavesOnlyItsGroupSoThatAnotherGroupRefusesToCountTheLogAgain() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let old = try PostgresCountStore(configuration: configuration(database, group: "old"))
        try old.commit(CountBatch(deltas: ["soup": 7], offsets: [p0: .init(expected: nil, next: 7)], eventCount: 7))
        old.close()

        let operator_ = PostgresCountsDatabase(configuration: configuration(database, group: "renamed"))
        defer { operator_.close() }
        let lock = try operator_.lockForRewrite()
        try operator_.replaceAll(
            with: CountBatch(deltas: ["soup": 7], offsets: [p0: .init(expected: nil, next: 7)], eventCount: 7))
        lock.release()
        XCTAssertEqual(try operator_.snapshot().offsets.map(\.group), ["renamed"])
        XCTAssertNoThrow(try PostgresCountStore(configuration: configuration(database, group: "renamed")).close())
        XCTAssertThrowsError(try PostgresCountStore(configuration: configuration(database, group: "old"))) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent, "\(error)")
        }
    }
}

extension PostgresRewriteLock {
    fileprivate func releaseAndReturnTrue() -> Bool {
        release()
        return true
    }
}
