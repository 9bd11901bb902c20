import FoodCountTesting
import Foundation
import XCTest

/// Exactly-once through what one embedded broker cannot stage: thousands of seeded schedules of the
/// simulator (`FoodCountTesting.Simulation`), each checked after every commit and once its faults end.
/// A failure prints the line that repeats it, traced.
final class SimulationTests: XCTestCase {
    /// `SIM_SEED=<seed>` runs that seed alone, traced; `SIM_SEEDS=<n>` changes how many seeds run, and
    /// `SIM_FIRST=<seed>` where they start.
    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    func testEverySeededScheduleCountsEachRecordExactlyOnce() throws {
        if let seed = environment["SIM_SEED"].flatMap(UInt64.init) {
            let report = Simulation.run(seed: seed, steps: 1_000, traced: true)
            for line in report.trace ?? [] { print(line) }
            XCTAssertTrue(report.passed, "\(report)")
            return
        }
        let seeds = UInt64(environment["SIM_SEEDS"].flatMap(Int.init) ?? 10_000)
        let first = UInt64(environment["SIM_FIRST"].flatMap(Int.init) ?? 0)
        let started = ContinuousClock.now
        let failures = Simulation.run(seeds: first..<(first + seeds), steps: 1_000, threads: 2)
        print(
            "[simulation] \(seeds) seeds of 1,000 steps in \(ContinuousClock.now - started): \(failures.count) failed")
        for failure in failures.prefix(10) {
            XCTFail(
                "\(failure)\n  reproduce: SIM_SEED=\(failure.seed) swift test --package-path Simulation --filter Simulation"
            )
        }
    }
}
