import Foundation
import TestSupport
import XCTest

/// `foodcount rebuild` and `offsets reset` only show their plan unless given `--execute`; refusals and errors go
/// to standard error, results to standard output; every command's `--json` has its documented keys; a recount's
/// progress goes to standard error. The real binaries, the embedded broker and real files.
final class OperatorCommandSafetyTests: XCTestCase {
    private func foodcount(_ harness: ConsumerHarness, _ arguments: [String]) throws -> ChildProcess.SeparateResult {
        try ChildProcess.runSeparately(
            TestEnvironment.executable("foodcount"), arguments,
            environment: [
                "KAFKA_BROKER": harness.broker, "KAFKA_TOPIC": harness.topic, "CONSUMER_GROUP": harness.group,
                "DATABASE_PATH": harness.database,
            ], timeout: 120)
    }

    /// A harness whose consumer counted `count` events over two partitions, then stopped.
    private func counted(_ prefix: String, _ count: Int) throws -> (ConsumerHarness, [String: Int]) {
        var harness = try ConsumerHarness(prefix: prefix, partitions: 2)
        harness.extraEnvironment = ["BATCH_DELAY_MS": "50"]
        let expected = try harness.produceKnownDistribution(count, foods: 7, partitions: 2)
        let consumer = try harness.start()
        XCTAssertTrue(try harness.waitUntilProcessed(count), consumer.output.suffix(2_000).description)
        XCTAssertEqual(harness.stop(consumer), 0)
        return (harness, expected)
    }

    /// The stored offsets by partition, from `offsets show --json`.
    private func storedOffsets(_ harness: ConsumerHarness) throws -> [Int: Int] {
        let shown = try foodcount(harness, ["offsets", "show", "--json"])
        XCTAssertEqual(shown.status, 0, shown.standardError)
        let rows = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [[String: Any]])
        var offsets: [Int: Int] = [:]
        for row in rows {
            offsets[try XCTUnwrap(row["partition"] as? Int)] = row["stored"] as? Int
        }
        return offsets
    }

    /// The cells of the plan's table row of a partition.
    private func planRow(_ output: String, partition: Int) -> [String]? {
        output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            .first { $0.count >= 4 && $0[0] == "\(partition)" }
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testAPlanChangesNothingAndOnlyExecuteMovesTheOffsetsAndTheCounts() throws {
        let (harness, expected) = try counted("plan", 500)
        let stored = try storedOffsets(harness)
        XCTAssertEqual(stored.values.reduce(0, +), 500)

        for arguments in [
            ["offsets", "reset", "--to", "earliest"], ["offsets", "reset", "--to", "earliest", "--rebuild"],
            ["offsets", "reset", "--to", "earliest", "--dry-run"],
        ] {
            let plan = try foodcount(harness, arguments)
            XCTAssertEqual(plan.status, 0, "\(arguments): \(plan.standardOutput) \(plan.standardError)")
            XCTAssertTrue(plan.standardOutput.contains("PARTITION  STORED  NEW OFFSET  RECOUNT"), plan.standardOutput)
            for partition in [0, 1] {
                XCTAssertEqual(
                    planRow(plan.standardOutput, partition: partition),
                    ["\(partition)", "\(stored[partition] ?? -1)", "0", "0"], plan.standardOutput)
            }
            let last = plan.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
            XCTAssertTrue(last.hasPrefix("nothing was changed") && last.contains("--execute"), last)
        }
        let rebuildPlan = try foodcount(harness, ["rebuild"])
        XCTAssertEqual(rebuildPlan.status, 0, rebuildPlan.standardError)
        for partition in [0, 1] {
            let offset = "\(stored[partition] ?? -1)"
            XCTAssertEqual(
                planRow(rebuildPlan.standardOutput, partition: partition), ["\(partition)", offset, offset, offset],
                rebuildPlan.standardOutput)
        }
        XCTAssertTrue(rebuildPlan.standardOutput.contains("nothing was changed"), rebuildPlan.standardOutput)
        // A time: the new offsets are found only by the recount, and the plan says so.
        let timePlan = try foodcount(harness, ["offsets", "reset", "--to", "2026-01-01T00:00:00Z"])
        XCTAssertEqual(timePlan.status, 0, timePlan.standardError)
        XCTAssertEqual(
            planRow(timePlan.standardOutput, partition: 0),
            ["0", "\(stored[0] ?? -1)", "?", "<=", "\(stored[0] ?? -1)"],
            timePlan.standardOutput)
        XCTAssertTrue(timePlan.standardOutput.contains("found only by the recount"), timePlan.standardOutput)
        XCTAssertEqual(try harness.counts(), expected, "a plan changes no count")
        XCTAssertEqual(try storedOffsets(harness), stored, "a plan moves no offset")
        XCTAssertEqual(try harness.processed(), 500)

        let both = try foodcount(harness, ["offsets", "reset", "--to", "earliest", "--dry-run", "--execute"])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.standardError.contains("--dry-run and --execute contradict each other"), both.standardError)
        XCTAssertEqual(both.standardOutput, "", "an error goes to standard error alone")
        XCTAssertEqual(try harness.counts(), expected)

        let executed = try foodcount(harness, ["offsets", "reset", "--to", "0=10,1=20", "--execute"])
        XCTAssertEqual(executed.status, 0, executed.standardError)
        XCTAssertEqual(try storedOffsets(harness), [0: 10, 1: 20])
        XCTAssertEqual(try harness.counts().values.reduce(0, +), 30, "the counts hold the 30 events before them")
    }

    func testEveryCommandsJSONHasItsDocumentedKeysProgressGoesToStandardErrorAndRefusalsToo() throws {
        let (harness, expected) = try counted("json", 600)
        let recountKeys: Set = [
            "command", "executed", "topic", "group", "target", "refusal", "partitions", "events", "invalid",
            "truncated",
        ]
        let partitionKeys: Set = ["partition", "stored", "logStart", "logEnd", "newOffset", "recount"]

        let plan = try foodcount(harness, ["offsets", "reset", "--to", "latest", "--json"])
        XCTAssertEqual(plan.status, 0, plan.standardError)
        let planned = try json(plan.standardOutput)
        XCTAssertEqual(Set(planned.keys), recountKeys)
        XCTAssertEqual(planned["command"] as? String, "offsets reset")
        XCTAssertEqual(planned["executed"] as? Bool, false)
        XCTAssertEqual(planned["target"] as? String, "latest")
        XCTAssertTrue(planned["refusal"] is NSNull && planned["events"] is NSNull, "\(planned)")
        let rows = try XCTUnwrap(planned["partitions"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.map { Set($0.keys) }, [partitionKeys, partitionKeys])
        XCTAssertEqual(rows.compactMap { $0["recount"] as? Int }.reduce(0, +), 600)
        XCTAssertEqual(rows.compactMap { $0["newOffset"] as? Int }.reduce(0, +), 600)

        let rebuilt = try foodcount(harness, ["rebuild", "--execute", "--json"])
        XCTAssertEqual(rebuilt.status, 0, rebuilt.standardError)
        let result = try json(rebuilt.standardOutput)
        XCTAssertEqual(Set(result.keys), recountKeys)
        XCTAssertEqual(result["command"] as? String, "rebuild")
        XCTAssertEqual(result["executed"] as? Bool, true)
        XCTAssertEqual(result["events"] as? Int, 600)
        XCTAssertEqual(result["invalid"] as? Int, 0)
        XCTAssertEqual(
            (result["partitions"] as? [[String: Any]])?.compactMap { $0["recount"] as? Int }.reduce(0, +), 600)
        XCTAssertTrue(
            rebuilt.standardError.contains("recount: 600 of 600 events (100 %)\n"),
            "piped progress: plain lines on standard error: \(rebuilt.standardError)")
        XCTAssertEqual(try harness.counts(), expected)

        let audit = try foodcount(harness, ["audit", "--json"])
        XCTAssertEqual(audit.status, 0, audit.standardError)
        let verdict = try json(audit.standardOutput)
        XCTAssertEqual(
            Set(verdict.keys),
            [
                "verdict", "exitStatus", "counted", "inLog", "partitionsChecked", "differences", "truncated",
                "partitions",
            ])
        XCTAssertEqual(verdict["verdict"] as? String, "equal")
        let partitions = verdict["partitions"] as? [[String: Any]] ?? []
        XCTAssertEqual(
            partitions.compactMap { $0["outcome"] as? String }, Array(repeating: "equal", count: partitions.count))
        XCTAssertEqual(partitions.compactMap { $0["counted"] as? Int }.reduce(0, +), 600)
        XCTAssertEqual(
            Set(partitions.first?.keys.map { $0 } ?? []),
            ["topic", "partition", "offset", "counted", "inLog", "outcome"])
        XCTAssertEqual(verdict["counted"] as? Int, 600)
        XCTAssertEqual(verdict["inLog"] as? Int, 600)
        XCTAssertEqual((verdict["differences"] as? [Any])?.count, 0)
        XCTAssertTrue(audit.standardError.contains("recount: 600 of 600 events (100 %)\n"), audit.standardError)
        let quiet = try foodcount(harness, ["audit", "--no-progress"])
        XCTAssertEqual(quiet.status, 0, quiet.standardError)
        XCTAssertFalse(quiet.standardError.contains("recount"), quiet.standardError)
        XCTAssertTrue(quiet.standardOutput.contains("audit: equal"), quiet.standardOutput)

        // A consumer of the group runs: the plan says --execute would be refused, and the refusal goes to stderr.
        _ = try harness.produceKnownDistribution(10, foods: 7, partitions: 2)
        let consumer = try harness.start()
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(try harness.waitUntilProcessed(610), consumer.output.suffix(2_000).description)
        let whilePlanning = try foodcount(harness, ["rebuild"])
        XCTAssertEqual(whilePlanning.status, 0, whilePlanning.standardError)
        XCTAssertTrue(
            whilePlanning.standardOutput.contains("--execute would be refused"), whilePlanning.standardOutput)
        for arguments in [["rebuild", "--execute"], ["offsets", "reset", "--to", "earliest", "--execute"]] {
            let refused = try foodcount(harness, arguments + ["--json"])
            XCTAssertEqual(refused.status, 2, "\(arguments): \(refused.standardOutput)")
            XCTAssertTrue(refused.standardError.contains("refusing"), refused.standardError)
            XCTAssertEqual(refused.standardOutput, "", "nothing on standard output, JSON or not")
        }
        XCTAssertEqual(harness.stop(consumer), 0)
        XCTAssertEqual(try harness.processed(), 610, "the refusals changed nothing")
    }
}
