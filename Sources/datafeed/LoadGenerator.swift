import Foundation
import KafkaClient
import Synchronization

/// Sends events at a fixed rate and prints a progress line every second.
struct LoadGenerator {
    let producer: KafkaProducer
    let topic: String
    /// The categories sent, in turn.
    let names: [String]
    let rate: Int
    let count: Int
    let stop: StopSignal

    private final class Tally: Sendable {
        let acked = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
    }

    /// Runs until `count` events are acknowledged or a stop signal; returns how many failed.
    func run() throws -> Int {
        let tally = Tally()
        let payloads = names.map { Array("{\"food\": \"\($0)\"}".utf8) }
        let start = ContinuousClock.now
        var lastProgress = start
        var sent = 0
        while !stop.isSet, count == 0 || sent < count {
            // Send what the schedule allows so far, in small bursts.
            let due = Int(Double(rate) * seconds(since: start))
            let target = count == 0 ? due : min(due, count)
            while sent < target, !stop.isSet {
                let record = ProducerRecord(topic: topic, value: payloads[sent % payloads.count])
                try producer.send(record) { result in
                    switch result {
                    case .success: tally.acked.add(1, ordering: .relaxed)
                    case .failure: tally.failed.add(1, ordering: .relaxed)
                    }
                }
                sent += 1
            }
            if ContinuousClock.now - lastProgress >= .seconds(1) {
                lastProgress = .now
                progress(sent: sent, tally: tally, start: start)
            }
            usleep(sent < target ? 0 : 1_000)
        }
        try? producer.flush(timeout: .seconds(30))
        progress(sent: sent, tally: tally, start: start)
        if Self.isTerminal { say("") }
        return tally.failed.load(ordering: .relaxed)
            + (sent - tally.acked.load(ordering: .relaxed) - tally.failed.load(ordering: .relaxed))
    }

    /// One progress line: rewritten in place on a terminal, a new line each time otherwise (pipes, `docker
    /// logs`, `scripts/run`), which would show nothing until the end of a line that never comes.
    private func progress(sent: Int, tally: Tally, start: ContinuousClock.Instant) {
        let seconds = max(0.001, seconds(since: start))
        let acked = tally.acked.load(ordering: .relaxed)
        let line = String(
            format: "sent %d  acked %d  failed %d  (%.0f events/s)", sent, acked,
            tally.failed.load(ordering: .relaxed),
            Double(acked) / seconds)
        let text = Self.isTerminal ? "\r" + line : line + "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Whether standard output is a terminal.
    static let isTerminal = isatty(STDOUT_FILENO) == 1
}

private func seconds(since start: ContinuousClock.Instant) -> Double {
    (ContinuousClock.now - start) / .seconds(1)
}
