import Foundation
import KafkaClient
import Logging

/// The baseline for scripts/bench: consumes a topic through KafkaClient's lowest layer (the borrowing
/// `poll`, which copies nothing) and discards it.
///
/// usage: RawDrain BROKER TOPIC EXPECTED [GROUP [SESSION_TIMEOUT_MS]]
///
/// It joins a new group like the consumer does (same client settings and poll size), polls until EXPECTED
/// messages have arrived, and prints one line of `key=value` pairs: the count, the seconds from the
/// assignment (the group join done) to the last message and the rate over that span, and the seconds from
/// start to the last message.
/// With EXPECTED 0 it only joins: it polls until the group assigns it partitions, and prints its CPU seconds
/// then (`cpu_s`), which scripts/bench takes as its start-up cost.
/// `KAFKA_PROPERTIES` (comma-separated `key=value`) adds raw librdkafka properties, as for the consumer.
@main
struct RawDrain {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4, let expected = Int(arguments[3]), expected >= 0 else {
            FileHandle.standardError.write(
                Data("usage: RawDrain BROKER TOPIC EXPECTED [GROUP [SESSION_TIMEOUT_MS]]\n".utf8))
            exit(2)
        }
        let group = arguments.count > 4 ? arguments[4] : "raw-drain-\(getpid())"
        let sessionTimeout = arguments.count > 5 ? Int(arguments[5]) ?? 6_000 : 6_000
        var logger = Logger(label: "raw-drain")
        logger.logLevel = .warning
        var properties: [String: String] = [:]
        for pair in (ProcessInfo.processInfo.environment["KAFKA_PROPERTIES"] ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            properties[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        let start = ContinuousClock.now
        let consumer = try KafkaConsumer(
            configuration: .init(
                bootstrapServers: arguments[1], groupID: group, clientID: "foodcount-raw-drain",
                sessionTimeout: .milliseconds(sessionTimeout), autoOffsetReset: .earliest, properties: properties),
            logger: logger)
        let handler = FromBeginning()
        try consumer.subscribe(topics: [arguments[2]], handler: handler)

        if expected == 0 {
            while handler.assigned == nil, ContinuousClock.now - start < .seconds(60) {
                _ = try consumer.poll(maxMessages: 2_000, timeout: .milliseconds(200)) { _ in }
            }
            try consumer.close()
            print(String(format: "joined=%d cpu_s=%.3f", handler.assigned == nil ? 0 : 1, cpuSeconds()))
            return
        }
        var received = 0
        var bytes = 0
        while received < expected {
            let visited = try consumer.poll(maxMessages: 2_000, timeout: .milliseconds(200)) { message in
                bytes &+= message.value?.count ?? 0
            }
            received += visited
        }
        let last = ContinuousClock.now
        try consumer.close()
        let span = seconds(last - (handler.assigned ?? start))
        print(
            String(
                format: "messages=%d bytes=%d assigned_to_last_s=%.3f rate=%.0f start_to_last_s=%.3f",
                received, bytes, span, Double(received) / max(span, 0.001), seconds(last - start)))
    }

    /// The process's CPU time so far, user and system.
    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let time = { (value: timeval) in Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        return time(usage.ru_utime) + time(usage.ru_stime)
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Starts every assigned partition at its beginning, as the consumer does on an empty store, and notes when
/// the first assignment came.
final class FromBeginning: RebalanceHandler {
    var assigned: ContinuousClock.Instant?

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: StartOffset] {
        if assigned == nil { assigned = .now }
        return Dictionary(uniqueKeysWithValues: partitions.map { ($0, .beginning) })
    }

    func partitionsRevoked(_ partitions: [TopicPartition], lost: Bool) {}
}
