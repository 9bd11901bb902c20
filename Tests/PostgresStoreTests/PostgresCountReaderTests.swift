import FoodCountCore
import Foundation
import TestSupport
import XCTest

@testable import PostgresStore

/// The PostgreSQL reader's version and bounded reads against a real server.
final class PostgresCountReaderTests: XCTestCase {
    private let p0 = SourcePartition(topic: "store", partition: 0)

    func testTheVersionIsTheLedgersAndTheBoundedReadsAnswerWhatTheTableSays() async throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        defer { store.close() }
        try store.commit(
            CountBatch(
                deltas: ["soup": 3, "pizza": 5, "taco": 5, "café": 1], offsets: [p0: .init(expected: nil, next: 14)],
                eventCount: 14))
        let reader = PostgresCountReader(location: database.location)

        let first = try await reader.sortedCounts()
        XCTAssertEqual(first.counts, SortedCounts(["soup": 3, "pizza": 5, "taco": 5, "café": 1]))
        let version = try await reader.currentVersion()
        XCTAssertEqual(first.version, version, "the version read with the counts is the one read alone")
        XCTAssertTrue(version?.hasPrefix("pg-14-") ?? false, "the ledger's: \(String(describing: version))")
        let some = try await reader.versionedCounts(of: ["café", "soup", "missing"]).counts
        XCTAssertEqual(some, ["café": 1, "soup": 3])
        let largest = try await reader.largestCounts(2).counts
        XCTAssertEqual(largest, ["pizza": 5, "taco": 5], "ties by category")

        try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 14, next: 15)], eventCount: 1))
        let after = try await reader.currentVersion()
        XCTAssertNotEqual(after, version, "a commit writes the ledger: the version changes")
        let changed = try await reader.sortedCounts()
        XCTAssertEqual(changed.version, after)
        XCTAssertEqual(changed.counts.dictionary["soup"], 4)
        await reader.close()
    }

    func testAFullReadMergesRowsWrittenBeforeTheCategoryRule() async throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        defer { store.close() }
        try store.commit(
            CountBatch(deltas: ["caf\u{E9}": 2], offsets: [p0: .init(expected: nil, next: 2)], eventCount: 2))
        _ = try database.execute("INSERT INTO food_counts VALUES ('cafe\u{301}', 3)")  // an older FoodCount's row
        let reader = PostgresCountReader(location: database.location)
        let read = try await reader.sortedCounts()
        XCTAssertEqual(read.counts.dictionary, ["caf\u{E9}": 5])
        await reader.close()
    }

    /// The full read comes packed in one value (length, bytes, count): every byte of a category survives it,
    /// escapes and separators included, and an empty table reads as empty.
    func testAFullReadKeepsEveryByteOfEveryCategory() async throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        defer { store.close() }
        let reader = PostgresCountReader(location: database.location)
        try store.commit(CountBatch(deltas: [:], offsets: [p0: .init(expected: nil, next: 0)], eventCount: 0))
        let empty = try await reader.sortedCounts()
        XCTAssertEqual(empty.counts.dictionary, [:])

        let categories = [
            #"back\slash"#, #"\x41"#, "tab\there", "new\nline", "quote'\"", "🍕 pizza", "caf\u{E9}",
            String(repeating: "z", count: 128), " ",
        ]
        let deltas = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, Int64($0 + 1)) })
        try store.commit(
            CountBatch(deltas: deltas, offsets: [p0: .init(expected: 0, next: 45)], eventCount: 45))
        let read = try await reader.sortedCounts()
        XCTAssertEqual(read.counts.dictionary, deltas)
        let version = try await reader.currentVersion()
        XCTAssertEqual(read.version, version)
        await reader.close()
    }

    /// A database in another encoding, whose sessions speak UTF-8: the categories' text and their lengths
    /// then come in two encodings, and the reader asks the server to convert instead.
    func testAFullReadOfADatabaseInAnotherEncodingConvertsToUTF8() async throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let name = database.location.database
        try database.executeOnServer(
            "DROP DATABASE \(name)",
            "CREATE DATABASE \(name) ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
            "ALTER DATABASE \(name) SET client_encoding = 'UTF8'")
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        defer { store.close() }
        let deltas: [String: Int64] = ["caf\u{E9}": 2, "soup": 3, "cr\u{E8}me br\u{FB}l\u{E9}e": 4]
        try store.commit(CountBatch(deltas: deltas, offsets: [p0: .init(expected: nil, next: 9)], eventCount: 9))
        let reader = PostgresCountReader(location: database.location)

        let read = try await reader.sortedCounts()

        XCTAssertEqual(read.counts.dictionary, deltas)
        let version = try await reader.currentVersion()
        XCTAssertEqual(read.version, version)
        await reader.close()
    }
}
