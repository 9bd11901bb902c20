import Dispatch
import FoodCountCore
import Synchronization

/// Deterministic simulation of the counting pipeline, in the manner of FoundationDB's simulation testing and
/// TigerBeetle's VOPR: from a seed, a model broker, members running the real `PipelineMachine` and executor
/// on a manual clock, and an in-memory store go through a schedule of steps that no single broker can stage
/// (leader failovers with lagging watermarks, truncations, retention, a topic recreated under the same name,
/// zombies, crashes, outages, commits of unknown outcome, a second consumer group). After every commit the
/// store's counts must be exactly the records counted, none twice and none skipped unless retention removed
/// it and the pipeline reported it; at the end, once the faults stop, every record must be counted.
///
/// A failing seed repeats exactly: run it again with ``run(seed:steps:profile:traced:)`` and `traced` to see
/// every step.
public enum Simulation {
    /// What one seeded run came to.
    public struct Report: Sendable, CustomStringConvertible {
        /// The seed.
        public let seed: UInt64
        /// How many steps it took, before settling.
        public let steps: Int
        /// The rules it broke; empty when exactly-once held.
        public let violations: [String]
        /// Every step, when the run was traced.
        public let trace: [String]?

        /// Whether exactly-once held.
        public var passed: Bool { violations.isEmpty }

        /// The seed and what went wrong.
        public var description: String {
            "seed \(seed): " + (passed ? "passed" : violations.joined(separator: "; "))
        }
    }

    /// Runs one seeded schedule of `steps` steps, then settles and checks.
    /// - Parameters:
    ///   - seed: The seed: the same seed gives the same run.
    ///   - steps: How many steps before the faults stop.
    ///   - profile: What may happen, and how often.
    ///   - traced: Whether to keep every step (and log the pipelines) for a reproduction.
    public static func run(
        seed: UInt64, steps: Int = 1_000, profile: SimulationProfile = .standard, traced: Bool = false
    ) -> Report {
        let world = SimulationWorld(seed: seed, profile: profile, traced: traced)
        for _ in 0..<steps {
            world.advance()
            if !world.ledger.violations.isEmpty { break }
        }
        if world.ledger.violations.isEmpty { world.settle() }
        return Report(seed: seed, steps: world.step, violations: world.ledger.violations, trace: world.trace)
    }

    /// Runs many seeds on several threads.
    /// - Returns: The reports of the seeds that failed, by seed.
    public static func run(
        seeds: Range<UInt64>, steps: Int = 1_000, profile: SimulationProfile = .standard, threads: Int = 2
    ) -> [Report] {
        let failures = Mutex<[Report]>([])
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { lane in
            var seed = seeds.lowerBound + UInt64(lane)
            while seed < seeds.upperBound {
                let report = run(seed: seed, steps: steps, profile: profile)
                if !report.passed { failures.withLock { $0.append(report) } }
                seed += UInt64(max(1, threads))
            }
        }
        return failures.withLock { $0 }.sorted { $0.seed < $1.seed }
    }
}
