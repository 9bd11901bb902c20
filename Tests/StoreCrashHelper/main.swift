// Test helper for SQLiteStoreCrashTests: commits batches through SQLiteCountStore in a loop until killed.
// Each batch adds exactly `perBatch` to the counts (spread over many categories, to widen the commit) and
// advances the offsets of four partitions by `perBatch` in all, so a consistent database always has
// sum(count) == sum(next_offset).
import FoodCountCore
import Foundation
import SQLiteStore

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: StoreCrashHelper DATABASE_PATH\n".utf8))
    exit(2)
}
let store = try SQLiteCountStore(configuration: .init(databasePath: arguments[1], consumerGroup: "crash"))
let partitions = (0..<4).map { SourcePartition(topic: "t", partition: Int32($0)) }
var offsets = try store.storedOffsets(for: partitions)
let perBatch: Int64 = 2_000
var round: Int64 = 0
while true {
    var deltas: [String: Int64] = [:]
    for index in 0..<Int(perBatch) { deltas["category-\((Int(round) * 7 + index) % 500)", default: 0] += 1 }
    var advances: [SourcePartition: CountBatch.OffsetAdvance] = [:]
    for partition in partitions {
        let previous = offsets[partition]
        advances[partition] = .init(expected: previous, next: (previous ?? 0) + perBatch / 4)
    }
    try store.commit(CountBatch(deltas: deltas, offsets: advances, eventCount: Int(perBatch)))
    for (partition, advance) in advances { offsets[partition] = advance.next }
    round += 1
    if round == 1 { FileHandle.standardOutput.write(Data("committing\n".utf8)) }
}
