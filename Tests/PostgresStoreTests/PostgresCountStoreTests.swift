import FoodCountCore
import Foundation
import Synchronization
import TestSupport
import XCTest

@testable import PostgresStore

/// What the PostgreSQL store adds to the conformance suite: its error codes, a connection the server ends,
/// and tables of another shape.
final class PostgresCountStoreTests: XCTestCase {
    private let p0 = SourcePartition(topic: "store", partition: 0)

    func testSQLStatesMapToTheBackendNeutralCodes() {
        let expected: [String: StoreError.Code] = [
            "40001": .busy, "40P01": .busy, "55P03": .busy, "53300": .busy,
            "57P01": .unavailable, "57P02": .unavailable, "57P03": .unavailable, "08006": .unavailable,
            "28P01": .unavailable, "3D000": .unavailable,
            "25006": .readOnly, "42501": .readOnly,
            "XX001": .corrupt, "XX002": .corrupt,
            "53100": .io, "58030": .io,
            "42P01": .incompatible, "42703": .incompatible,
            "23505": .other, "22003": .other,
        ]
        for (state, code) in expected.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(StoreError.code(forSQLState: state), code, "SQLSTATE \(state)")
        }
        for transient in ["40001", "40P01", "57P01", "25006"] {
            XCTAssertTrue(StoreError(code: StoreError.code(forSQLState: transient), message: "").isTransient, transient)
        }
    }

    func testAGroupWithNoStoredOffsetRefusesCountsThatAlreadyHoldEventsInsteadOfCountingTheLogAgain() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let old = try PostgresCountStore(configuration: .init(location: database.location, consumerGroup: "old"))
        try old.commit(CountBatch(deltas: ["soup": 7], offsets: [p0: .init(expected: nil, next: 7)], eventCount: 7))
        old.close()
        XCTAssertThrowsError(
            try PostgresCountStore(configuration: .init(location: database.location, consumerGroup: "renamed")),
            "a renamed group would count the 7 events again"
        ) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent, "\(error)")
            XCTAssertTrue("\(error)".contains("'renamed'") && "\(error)".contains("old"), "\(error)")
        }
        // The group that counted opens as before.
        XCTAssertNoThrow(
            try PostgresCountStore(configuration: .init(location: database.location, consumerGroup: "old")).close())
    }

    /// The start check reads the ledger and the table's sum in one snapshot: a commit of another member of the
    /// group between two reads would look like counts changed behind the consumer, and refuse a member that
    /// starts while others count.
    func testAMemberStartingWhileAnotherCommitsIsNeverRefusedAsChangedBehindIt() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let configuration = PostgresCountStore.Configuration(location: database.location, consumerGroup: "g")
        let committer = try PostgresCountStore(configuration: configuration)
        defer { committer.close() }
        try committer.commit(
            CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)], eventCount: 1))
        let done = Atomic<Bool>(false)
        let committed = Atomic<Int>(1)
        let p0 = self.p0
        let thread = Thread {
            var next: Int64 = 1
            while !done.load(ordering: .relaxed) {
                try? committer.commit(
                    CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: next, next: next + 1)], eventCount: 1)
                )
                next += 1
                committed.store(Int(next), ordering: .relaxed)
            }
        }
        thread.start()
        defer { done.store(true, ordering: .relaxed) }
        var refusals: [String] = []
        for _ in 0..<100 {
            do {
                try PostgresCountStore(configuration: configuration).close()
            } catch {
                refusals.append("\(error)")
            }
        }
        done.store(true, ordering: .relaxed)
        XCTAssertGreaterThan(committed.load(ordering: .relaxed), 20, "commits ran while members started")
        XCTAssertEqual(refusals, [], "no start may be refused while the group commits")
    }

    func testTheFirstCommitsGroupOwnsTheCountsAndAnotherGroupIsRefusedAtItsCommitAndAtStart() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let early = try PostgresCountStore(configuration: .init(location: database.location, consumerGroup: "b"))
        defer { early.close() }
        let owner = try PostgresCountStore(configuration: .init(location: database.location, consumerGroup: "a"))
        try owner.commit(CountBatch(deltas: ["soup": 3], offsets: [p0: .init(expected: nil, next: 3)], eventCount: 3))
        owner.close()

        let p1 = SourcePartition(topic: "store", partition: 1)
        XCTAssertThrowsError(
            try early.commit(CountBatch(deltas: ["soup": 1], offsets: [p1: .init(expected: nil, next: 1)])),
            "both groups would count every event"
        ) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent, "\(error)")
            XCTAssertTrue("\(error)".contains("belong to consumer group 'a', not 'b'"), "\(error)")
        }
        XCTAssertThrowsError(
            try PostgresCountStore(configuration: .init(location: database.location, consumerGroup: "b"))
        ) { error in
            XCTAssertTrue("\(error)".contains("CONSUMER_GROUP=a"), "the way out: \(error)")
        }
        XCTAssertEqual(try database.execute("SELECT sum(count)::text FROM food_counts"), ["3"])
    }

    func testACountsTableTruncatedUnderARunningStoreIsRefusedAtTheNextCommit() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        defer { store.close() }
        try store.commit(CountBatch(deltas: ["soup": 7], offsets: [p0: .init(expected: nil, next: 7)], eventCount: 7))

        _ = try database.execute("TRUNCATE food_counts")

        XCTAssertThrowsError(
            try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 7, next: 8)], eventCount: 1))
        ) { error in
            XCTAssertEqual((error as? StoreError)?.code, .inconsistent, "\(error)")
            XCTAssertTrue("\(error)".contains("holds 0 events, but the ledger recorded 7"), "\(error)")
        }
        XCTAssertEqual(try database.execute("SELECT count(*)::text FROM food_counts"), ["0"], "nothing was committed")
        XCTAssertEqual(try database.execute("SELECT next_offset::text FROM foodcount_offsets"), ["7"])
    }

    func testAConnectionTheServerEndedIsOpenedAgainAndOneEndedMidCommitFailsAsTransientThenTheRetrySucceeds()
        throws
    {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location, lockTimeout: .seconds(30)))
        defer { store.close() }
        try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)], eventCount: 1))

        // Between commits: an administrator ends the store's session; the next commit connects again.
        XCTAssertEqual(try terminateStoreSessions(database, waitingForALock: false), ["1"])
        try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 1, next: 2)], eventCount: 1))

        // During a commit: the store waits for another transaction's lock when its session is ended (57P01).
        let locker = try database.connect()
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE food_counts IN ACCESS EXCLUSIVE MODE")
        let batch = CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: 2, next: 4)], eventCount: 2)
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { try store.commit(batch) } catch { failure.withLock { $0 = error } }
            done.signal()
        }
        let ended = eventually(timeout: 10) {
            (try? self.terminateStoreSessions(database, waitingForALock: true)) == ["1"]
        }
        XCTAssertTrue(ended, "the store's session never waited for the lock")
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
        try locker.execute("ROLLBACK")
        try locker.close()
        let error = failure.withLock { $0 }
        guard let error = error as? StoreError else {
            return XCTFail("expected a StoreError: \(String(describing: error))")
        }
        XCTAssertEqual(error.code, .unavailable, "\(error)")
        XCTAssertTrue(error.isTransient, "\(error)")
        XCTAssertNotNil(error.underlying as? PostgresError, "\(error)")
        XCTAssertEqual(try store.storedOffsets(for: [p0]), [p0: 2], "the ended commit wrote nothing")

        try store.commit(batch)
        XCTAssertEqual(try store.storedOffsets(for: [p0]), [p0: 4])
        let counts = try database.execute("SELECT count::text FROM food_counts WHERE category = 'soup'")
        XCTAssertEqual(counts, ["4"])
    }

    func testCommitsWhileTheServerKeepsEndingTheStoresSessionsEachReturnAndCountExactlyOnce() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        defer { store.close() }
        // Another thread ends the store's sessions over and over: some while a commit runs, some while the
        // store sets up a new connection, some between commits.
        let stop = Atomic<Bool>(false)
        let killerDone = DispatchSemaphore(value: 0)
        let endSessions = """
            SELECT count(pg_terminate_backend(pid))::text FROM pg_stat_activity
            WHERE datname = '\(database.location.database)' AND application_name = 'foodcount'
            """
        Thread.detachNewThread {
            while !stop.load(ordering: .relaxed) {
                _ = try? database.executeOnServer(endSessions)
                usleep(UInt32.random(in: 0...15_000))
            }
            killerDone.signal()
        }
        defer {
            stop.store(true, ordering: .relaxed)
            _ = killerDone.wait(timeout: .now() + 30)
        }
        let p0 = self.p0
        var next: Int64 = 0
        var failures = 0
        for attempt in 0..<300 {
            let batch = CountBatch(
                deltas: ["soup": 1], offsets: [p0: .init(expected: next == 0 ? nil : next, next: next + 1)],
                eventCount: 1)
            guard let outcome = Self.withinAMinute({ try store.commit(batch) }) else {
                return XCTFail("commit \(attempt) never returned (after \(failures) failed ones)")
            }
            switch outcome {
            case .success: next += 1
            case .failure(let error):
                failures += 1
                let code = (error as? StoreError)?.code
                XCTAssertTrue(code == .unavailable || code == .busy || code == .fenced, "commit \(attempt): \(error)")
                // Whether it counted is unknown (its COMMIT may have been applied unanswered): read where it stands.
                var stored: Result<[SourcePartition: Int64], any Error>?
                let read = eventually(timeout: 60, interval: 0.05) {
                    stored = Self.withinAMinute { try store.storedOffsets(for: [p0]) }
                    return (try? stored?.get()) != nil
                }
                guard read else {
                    return XCTFail(
                        "commit \(attempt): the stored offset could not be read again: \(String(describing: stored))")
                }
                next = (try? stored?.get())?[p0] ?? 0
            }
        }
        stop.store(true, ordering: .relaxed)
        XCTAssertGreaterThan(failures, 0, "no commit met an ended session: the test proved nothing")
        let counts = try database.execute("SELECT count::text FROM food_counts WHERE category = 'soup'")
        let offsets = try database.execute("SELECT next_offset::text FROM foodcount_offsets")
        XCTAssertEqual(counts, offsets, "each event counted once: the count equals the stored offset")
        print("[postgres] 300 commits, \(failures) met an ended session, offset \(offsets)")
    }

    /// Runs `body` on a thread of its own; `nil` when it has not returned within a minute.
    private static func withinAMinute<Value: Sendable>(
        _ body: @escaping @Sendable () throws -> Value
    ) -> Result<Value, any Error>? {
        let outcome = Mutex<Result<Value, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result = Result { try body() }
            outcome.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + 60) == .success else { return nil }
        return outcome.withLock { $0 }
    }

    func testTheServerProbesTheStoresIdleConnectionWithinHalfAMinuteSoAVanishedHostsSessionEnds() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        defer { store.close() }
        try store.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)], eventCount: 1))
        let ports = try database.executeOnServer(
            """
            SELECT client_port::text FROM pg_stat_activity
            WHERE datname = '\(database.location.database)' AND application_name = 'foodcount'
            """)
        XCTAssertEqual(ports.count, 1, "the store's sessions: \(ports)")
        // The server's end of the store's connection, with its timer: "timer:(keepalive,29sec,0)" when the
        // server probes after 30 idle seconds; the system's default reads "timer:(keepalive,119min,0)". Right
        // after a reply the timer is the retransmission's ("timer:(on,…)") until the reply is acknowledged.
        var timer = ""
        let idle = eventually(timeout: 10) {
            let socket = try? ChildProcess.run(
                "/usr/bin/ss",
                ["-tnoH", "state", "established", "( sport = :\(database.location.port) and dport = :\(ports[0]) )"],
                timeout: 10)
            timer = socket?.output.trimmingCharacters(in: .whitespacesAndNewlines) ?? "ss failed"
            return timer.contains("timer:(keepalive,")
        }
        XCTAssertTrue(idle, "no keepalive timer on the server's socket: \(timer)")
        XCTAssertLessThanOrEqual(Self.seconds(ofTimer: timer), 30, timer)
    }

    /// The time left on an `ss -o` timer such as "timer:(keepalive,1min29sec,0)", in whole seconds.
    private static func seconds(ofTimer line: String) -> Int {
        guard let start = line.range(of: "timer:(keepalive,") else { return .max }
        let value = line[start.upperBound...].prefix { $0 != "," }
        var seconds = 0
        for part in value.matches(of: #/(\d+)(min|sec|ms)/#) {
            let amount = Int(part.output.1) ?? 0
            seconds += part.output.2 == "min" ? amount * 60 : part.output.2 == "sec" ? amount : 0
        }
        return seconds
    }

    /// Ends the store's sessions on the database (those waiting for a lock only, if asked); returns how many.
    private func terminateStoreSessions(_ database: PostgresTestDatabase, waitingForALock: Bool) throws -> [String] {
        try database.executeOnServer(
            """
            SELECT count(pg_terminate_backend(pid))::text FROM pg_stat_activity
            WHERE datname = '\(database.location.database)' AND application_name = 'foodcount'
            \(waitingForALock ? "AND wait_event_type = 'Lock'" : "")
            """)
    }

    func testARefusedCommitNamesTheSQLStateAndARoleThatMayOnlyReadFailsAsReadOnly() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        let store = try PostgresCountStore(configuration: .init(location: database.location))
        store.close()
        let role = "reader_\(database.location.database)"
        try database.executeOnServer("CREATE ROLE \(role) LOGIN")
        defer {
            _ = try? database.execute("DROP OWNED BY \(role)")
            _ = try? database.executeOnServer("DROP ROLE IF EXISTS \(role)")
        }
        try database.execute("GRANT SELECT ON food_counts, foodcount_offsets, foodcount_ledger TO \(role)")
        var location = database.location
        location.username = role
        let reader = try PostgresCountStore(configuration: .init(location: location))
        defer { reader.close() }
        XCTAssertEqual(try reader.storedOffsets(for: [p0]), [:])
        XCTAssertThrowsError(
            try reader.commit(CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 1)]))
        ) { error in
            XCTAssertEqual((error as? StoreError)?.code, .readOnly, "\(error)")
            XCTAssertEqual(((error as? StoreError)?.underlying as? PostgresError)?.sqlState, "42501", "\(error)")
        }
    }

    func testRefusesACountsTableOfAnotherShape() throws {
        let database = try PostgresTestDatabase()
        defer { try? database.drop() }
        try database.execute("CREATE TABLE food_counts (category TEXT PRIMARY KEY, count TEXT)")
        XCTAssertThrowsError(try PostgresCountStore(configuration: .init(location: database.location))) { error in
            XCTAssertEqual((error as? StoreError)?.code, .incompatible, "\(error)")
            XCTAssertTrue("\(error)".contains("count"), "\(error)")
        }
    }
}
