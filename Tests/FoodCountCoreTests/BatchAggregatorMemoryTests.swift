import XCTest

@testable import FoodCountCore

/// A batch holds each partition's counts by what that partition read: a topic keyed by category (each
/// partition its own categories) must not cost partitions × categories.
final class BatchAggregatorMemoryTests: XCTestCase {
    func testAPartitionKeepsOnlyTheCategoriesItCounted() {
        var aggregator = BatchAggregator()
        let partitions = (0..<8).map { SourcePartition(topic: "keyed", partition: $0) }
        for (index, partition) in partitions.enumerated() {
            for number in 0..<500 {
                aggregator.count("p\(index)-c\(number)", partition: partition, offset: Int64(number))
            }
        }

        for partition in partitions {
            XCTAssertEqual(aggregator.partitions[partition]?.counts.count, 500, "\(partition)")
        }
        let batch = aggregator.makeBatch(expected: [:])
        XCTAssertEqual(batch.deltas.count, 4_000)
        XCTAssertEqual(batch.deltas["p7-c499"], 1)

        // The next batch reserves, per partition, what that partition counted: not the batch's 4,000.
        aggregator.reset()
        aggregator.count("again", partition: partitions[0], offset: 500)
        XCTAssertLessThan(aggregator.partitions[partitions[0]]?.counts.capacity ?? .max, 2_000)
    }
}
