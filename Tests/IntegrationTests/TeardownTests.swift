import Foundation
import Synchronization
import TestSupport
import XCTest

/// Nothing from librdkafka reaches Swift after the pipeline stopped (docs/design.md, "Teardown"): 300
/// start/SIGTERM cycles of the real consumer, half on SQLite and half on PostgreSQL, with events and dead
/// letters in flight at every stop, all end with exit status 0, and the counts come out exact.
///
/// Ten lanes run at once, each with its own broker, topic, group and database. A member is stopped only once
/// it is assigned (`/readyz` 200), and each lane starts a new broker every 12 cycles: the embedded broker's
/// group coordinator can wedge when members leave in the middle of a join (../shared/notes).
final class TeardownTests: XCTestCase {
    /// One lane's store.
    private enum Store: Sendable { case sqlite, postgres }

    func testThreeHundredStartAndSIGTERMCyclesOnBothStoresWithDeadLettersFlowingNeverCrash() throws {
        let lanes: [Store] = Array(repeating: .sqlite, count: 5) + Array(repeating: .postgres, count: 5)
        let cyclesPerLane = 30
        let failures = LockedFailures()
        let done = DispatchGroup()
        for (index, store) in lanes.enumerated() {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                do {
                    try TeardownLane(index: index, store: store, cycles: cyclesPerLane).run()
                } catch {
                    failures.append("lane \(index) (\(store)): \(error)")
                }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 1_500), .success, "the lanes did not finish in 25 minutes")
        XCTAssertEqual(failures.all, [], failures.all.joined(separator: "\n\n"))
    }

    /// One lane: its own broker and store, `cycles` members started and stopped one after another.
    private struct TeardownLane {
        let index: Int
        let store: Store
        let cycles: Int

        /// A new broker every this many cycles.
        private static let cyclesPerBroker = 12

        func run() throws {
            let broker = try EmbeddedBroker.start()
            defer { broker.stop() }
            let directory = try TestEnvironment.temporaryDirectory("teardown-\(index)")
            let topic = "teardown-\(index)"
            let location = try storeLocation(directory: directory)
            defer { dropDatabase(location) }
            var random = SystemRandomNumberGenerator()
            var expected: [String: Int] = [:]
            for cycle in 0..<cycles {
                let firstOfBroker = cycle % Self.cyclesPerBroker == 0
                let lastOfBroker = cycle % Self.cyclesPerBroker == Self.cyclesPerBroker - 1 || cycle == cycles - 1
                if firstOfBroker {
                    if cycle > 0 { try broker.restart() }
                    try TestEnvironment.createTopic(topic, partitions: 2, broker: broker.address)
                    try TestEnvironment.createTopic(topic + ".dlq", partitions: 1, broker: broker.address)
                }
                let consumer = try ChildProcess(
                    TestEnvironment.executable("consumer"), [],
                    environment: location.environment.merging([
                        "KAFKA_BROKER": broker.address, "KAFKA_TOPIC": topic, "CONSUMER_GROUP": "teardown-\(index)",
                        "DLQ_TOPIC": topic + ".dlq", "SESSION_TIMEOUT_MS": "6000", "BATCH_SIZE": "7",
                        "BATCH_DELAY_MS": "20", "LOG_LEVEL": "debug", "STATS_INTERVAL_MS": "100",
                        "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
                    ]) { $1 })
                defer { consumer.signal(SIGKILL) }
                guard eventually(timeout: 60, { consumer.output.contains("offsets=[\"") }) else {
                    throw TestFailure("cycle \(cycle): never assigned\n\(consumer.output.suffix(3_000))")
                }
                // Events and poison in flight when the stop comes: the poison is dead-lettered.
                let messages = (0..<30).map { number -> PythonProducer.Message in
                    if number % 6 == 5 { return .text("poison \(cycle)-\(number)") }
                    let food = "food\((cycle + number) % 9)"
                    expected[food, default: 0] += 1
                    return .text(#"{"food": "\#(food)"}"#)
                }
                try PythonProducer.produce(messages, topic: topic, broker: broker.address)
                if lastOfBroker {  // the broker's log is lost at its restart: count everything first
                    guard eventually(timeout: 60, { (try? location.counts()) == expected }) else {
                        throw TestFailure(
                            "cycle \(cycle): counts \((try? location.counts()) ?? [:]) are not \(expected)\n"
                                + consumer.output.suffix(3_000))
                    }
                } else {  // the stop comes 0 to 400 ms after the events were acknowledged
                    Thread.sleep(forTimeInterval: Double.random(in: 0...0.4, using: &random))
                }
                consumer.signal(SIGTERM)
                let status = consumer.wait(timeout: 30)
                let output = consumer.output
                guard status == 0, !Self.crashed(output) else {
                    throw TestFailure(
                        "cycle \(cycle): exit status \(status.map(String.init) ?? "none (hung)")\n\(output.suffix(6_000))"
                    )
                }
            }
        }

        /// Whether a log shows a crash: Swift's backtracer, a fatal error, or a signal.
        static func crashed(_ output: String) -> Bool {
            ["Program crashed", "Fatal error", "Thread 0 crashed"].contains { output.contains($0) }
        }

        private func storeLocation(directory: URL) throws -> StoreLocation {
            switch store {
            case .sqlite:
                return .sqlite(directory.appendingPathComponent("foodcount.db").path)
            case .postgres:
                let server = try TestEnvironment.postgres
                let name = "foodcount_teardown_\(index)_\(UInt32.random(in: 0...UInt32.max))"
                try StoreLocation.psql(server, "CREATE DATABASE \(name)")
                guard let slash = server.lastIndex(of: "/") else { throw TestFailure("bad URL \(server)") }
                return .postgres(url: server[..<slash] + "/" + name, server: server, name: name)
            }
        }

        private func dropDatabase(_ location: StoreLocation) {
            if case .postgres(_, let server, let name) = location {
                _ = try? StoreLocation.psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            }
        }
    }

    /// Where a lane counts, and how the test reads it back (sqlite3 and psql, not the stores' own code).
    private enum StoreLocation {
        case sqlite(String)
        case postgres(url: String, server: String, name: String)

        var environment: [String: String] {
            switch self {
            case .sqlite(let path): ["DATABASE_PATH": path]
            case .postgres(let url, _, _): ["DATABASE_URL": url]
            }
        }

        func counts() throws -> [String: Int] {
            switch self {
            case .sqlite(let path):
                return try SQLiteInspector.counts(path)
            case .postgres(let url, _, _):
                let rows = try Self.psql(url, "SELECT category || '|' || count FROM food_counts")
                return try rows.reduce(into: [:]) { counts, row in
                    let parts = row.split(separator: "|")
                    guard parts.count == 2, let count = Int(parts[1]) else { throw TestFailure("bad row \(row)") }
                    counts[String(parts[0])] = count
                }
            }
        }

        /// Runs one statement with psql; returns its rows (unaligned, tuples only).
        @discardableResult
        static func psql(_ url: String, _ statement: String) throws -> [String] {
            let result = try ChildProcess.run(
                "/usr/bin/psql", [url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", statement])
            guard result.status == 0 else { throw TestFailure("psql \(statement): \(result.output)") }
            return result.output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        }
    }
}

/// Failures collected from the lanes' threads.
private final class LockedFailures: Sendable {
    private let failures = Mutex<[String]>([])

    func append(_ failure: String) { failures.withLock { $0.append(failure) } }

    var all: [String] { failures.withLock { $0 } }
}
