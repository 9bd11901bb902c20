// Test helper for SQLiteStoreCrashTests: commits batches through SQLiteCountStore, under a SQLite VFS that
// kills the process at a chosen step of a commit (Tests/SQLiteFaultInjection).
//
//   StoreCrashHelper DATABASE count             commits 3 batches, prints "steps per commit: N", exits 0
//   StoreCrashHelper DATABASE crash STEP [after] commits until killed before (or after) step STEP
//
// Each batch adds exactly `perBatch` to the counts (spread over many categories, to widen the commit) and
// advances the offsets of four partitions by `perBatch` in all, so a consistent database always has
// sum(count) == sum(next_offset).
import FoodCountCore
import Foundation
import SQLiteFaultInjection
import SQLiteStore

let arguments = CommandLine.arguments
guard arguments.count >= 3, ["count", "crash"].contains(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: StoreCrashHelper DATABASE count | crash STEP [after]\n".utf8))
    exit(2)
}
guard foodcount_fault_vfs_register() == 0 else {
    FileHandle.standardError.write(Data("cannot register the fault-injecting VFS\n".utf8))
    exit(2)
}
let store = try SQLiteCountStore(configuration: .init(databasePath: arguments[1], consumerGroup: "crash"))
let partitions = (0..<4).map { SourcePartition(topic: "t", partition: Int32($0)) }
var offsets = try store.storedOffsets(for: partitions)
let perBatch: Int64 = 2_000
var round = offsets.values.reduce(0, +) / perBatch

@MainActor func commitOne() throws {
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
}

if arguments[2] == "count" {
    foodcount_fault_vfs_arm(0, 0)
    for _ in 0..<3 { try commitOne() }
    print("steps per commit: \(foodcount_fault_vfs_steps() / 3)")
    exit(0)
}
guard arguments.count >= 4, let step = Int(arguments[3]), step > 0 else {
    FileHandle.standardError.write(Data("crash needs a step number from 1\n".utf8))
    exit(2)
}
foodcount_fault_vfs_arm(step, arguments.count > 4 && arguments[4] == "after" ? 1 : 0)
for _ in 0..<100 { try commitOne() }
print("still alive after 100 commits: step \(step) was never reached")
exit(3)
