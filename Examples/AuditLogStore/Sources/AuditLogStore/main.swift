// Runs FoodCount's real pipeline (Kafka source, SQLite counts) with a custom store that also keeps an
// audit log of every committed batch.
//
//   swift run AuditLogStore BROKER TOPIC DATA_DIR [EXPECTED_EVENTS]
//
// It consumes until EXPECTED_EVENTS (default 100) records are committed, then prints the counts' total
// and the audit log, and stops cleanly.
import FoodCountCore
import FoodCountKafka
import Foundation
import KafkaClient
import Logging
import SQLiteStore

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: AuditLogStore BROKER TOPIC DATA_DIR [EXPECTED_EVENTS]\n".utf8))
    exit(2)
}
let (broker, topic, directory) = (arguments[1], arguments[2], arguments[3])
let expected = arguments.count > 4 ? Int(arguments[4]) ?? 100 : 100
var logger = Logger(label: "audit-example")
logger.logLevel = .warning

let counts = try SQLiteCountStore(
    configuration: .init(databasePath: "\(directory)/foodcount.db", consumerGroup: "audit-example"), logger: logger)
let store = try AuditingCountStore(wrapping: counts, auditPath: "\(directory)/audit.db")
let source = try KafkaEventSource(
    configuration: .init(bootstrapServers: broker, groupID: "audit-example", sessionTimeout: .seconds(6)),
    topics: [topic], logger: logger)
let pipeline = CountingPipeline(source: source, store: store, logger: logger)

let runner = Thread {
    do { try pipeline.run() } catch { print("pipeline failed: \(error)") }
}
runner.start()
let deadline = Date().addingTimeInterval(120)
while pipeline.statistics.eventsCommitted + pipeline.statistics.eventsInvalid < expected, Date() < deadline {
    Thread.sleep(forTimeInterval: 0.1)
}
pipeline.requestStop()
while pipeline.health.isRunning { Thread.sleep(forTimeInterval: 0.05) }

let rows = try store.rows()
print("committed \(pipeline.statistics.eventsCommitted) events in \(rows.count) audited batches")
for row in rows { print("  \(row.events) events -> \(row.offsets)") }
exit(rows.reduce(0) { $0 + $1.events } >= expected ? 0 : 1)
