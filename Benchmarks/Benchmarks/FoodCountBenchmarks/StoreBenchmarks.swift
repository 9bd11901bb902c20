import Benchmark
import FoodCountCore
import Foundation
import SQLiteStore

/// The store's flush: one transaction applying a 10,000-event batch spread over 50 categories and 4
/// partitions to real SQLite files (rollback journal, `synchronous=FULL`, as the consumer runs).
func registerStoreBenchmarks() {
    Benchmark(
        "Store flush (10,000 events, 50 categories)",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(5))
    ) { benchmark in
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("foodcount-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteCountStore(
            configuration: .init(databasePath: directory.appendingPathComponent("counts.db").path))
        defer { try? store.close() }
        let partitions = (0..<4).map { SourcePartition(topic: "message", partition: Int32($0)) }
        var next: [SourcePartition: Int64] = [:]

        func batch() -> CountBatch {
            var batch = CountBatch(eventCount: 10_000)
            for (index, food) in Messages.foods.enumerated() {
                batch.deltas[food] = Int64(200 + index % 3 - 1)  // 10,000 events in all
            }
            for partition in partitions {
                let start = next[partition]
                let end = (start ?? 0) + 2_500
                batch.offsets[partition] = .init(expected: start, next: end)
                next[partition] = end
            }
            return batch
        }

        try store.commit(batch())  // creates the rows, as a running consumer already has
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let batch = batch()
            try store.commit(batch)
        }
        benchmark.stopMeasurement()
    }
}
