import Benchmark

/// Registers every FoodCount micro-benchmark; `swift package benchmark` (in `Benchmarks/`) runs them.
///
/// Per-event benchmarks run 1,000 events per measured iteration (`scalingFactor: .kilo`), so their
/// scaled wall-clock figures read as nanoseconds per event. See docs/benchmarks.md.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )
    registerCodecBenchmarks()
    registerAggregationBenchmarks()
    registerStoreBenchmarks()
}
