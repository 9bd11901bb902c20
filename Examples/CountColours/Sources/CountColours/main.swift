// Counts `{"colour": "..."}` events with FoodCount's exactly-once pipeline, using the in-memory source and
// store from FoodCountTesting: no Kafka, no disk. Run with `swift run` in this folder.
import FoodCountCore
import FoodCountTesting
import Foundation

let partitions = [SourcePartition(topic: "paint", partition: 0), SourcePartition(topic: "paint", partition: 1)]
let source = InMemoryEventSource(assignOnStart: partitions)
source.append(strings: [#"{"colour": "Red"}"#, #"{"colour": " blue "}"#, #"{"colour": "RED"}"#], to: partitions[0])
source.append(strings: [#"{"colour": "green"}"#, #"{"food": "soup"}"#, #"{"colour": "red"}"#], to: partitions[1])

let store = InMemoryCountStore()
let pipeline = CountingPipeline(
    source: source,
    store: store,
    decoder: JSONEventDecoder(configuration: .init(field: "colour")),
    configuration: .init(maxBatchDelay: .milliseconds(20))
)

let runner = Thread {
    do { try pipeline.run() } catch { print("pipeline failed: \(error)") }
}
runner.start()
while !source.isDrained || store.currentOffsets.values.reduce(0, +) < 6 { Thread.sleep(forTimeInterval: 0.01) }
pipeline.requestStop()
while !source.isClosed { Thread.sleep(forTimeInterval: 0.01) }

for (colour, count) in store.currentCounts.sorted(by: { $0.key < $1.key }) { print("\(colour): \(count)") }
print("skipped (no colour field): \(pipeline.statistics.eventsInvalid)")
precondition(store.currentCounts == ["red": 3, "blue": 1, "green": 1], "unexpected counts \(store.currentCounts)")
