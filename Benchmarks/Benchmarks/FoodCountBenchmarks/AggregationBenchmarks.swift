import Benchmark
import FoodCountCore

/// Aggregation cost per event: counting decoded categories from four partitions into one batch. Records
/// arrive as a poll delivers them, in runs of one partition (here 500 long).
func registerAggregationBenchmarks() {
    let partitions = (0..<4).map { SourcePartition(topic: "message", partition: Int32($0)) }
    let categories = Messages.foods
    Benchmark("Aggregate events (50 categories, 4 partitions)", configuration: .init(scalingFactor: .kilo)) {
        benchmark in
        var aggregator = BatchAggregator()
        var offset: Int64 = 0
        for index in benchmark.scaledIterations {
            aggregator.count(
                categories[index % categories.count], partition: partitions[(index / 500) & 3], offset: offset)
            offset += 1
        }
        blackHole(aggregator.makeBatch(expected: [:]))
    }
}
