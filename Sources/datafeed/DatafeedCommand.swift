import ArgumentParser
import FoodCountCore
import Foundation
import KafkaClient
import Logging
import Synchronization

private let environment = ProcessInfo.processInfo.environment

/// `datafeed`: produces random food events, slowly like the original feed or fast as a load generator.
@main
struct DatafeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datafeed",
        abstract: "Sends random {\"food\": ...} events to Kafka.",
        discussion: """
            Without --rate it behaves like the original feed: one random food every 1-2 s, printed.
            With --rate N it is a load generator sending N events/s with a progress line;
            --count N stops after N events (and waits for every acknowledgement).
            Every option can also be set by the environment variable named in its help.
            """
    )

    @Option(help: "Kafka bootstrap servers, host:port[,host:port] (env KAFKA_BROKER).")
    var broker: String = environment["KAFKA_BROKER"] ?? "localhost:9092"

    @Option(help: "Topic to produce to (env KAFKA_TOPIC).")
    var topic: String = environment["KAFKA_TOPIC"] ?? "message"

    @Option(help: "Events per second; 0 means the original pace of one every 1-2 s (env DATAFEED_RATE).")
    var rate: Int = Int(environment["DATAFEED_RATE"] ?? "") ?? 0

    @Option(help: "Stop after this many events; 0 means run until interrupted (env DATAFEED_COUNT).")
    var count: Int = Int(environment["DATAFEED_COUNT"] ?? "") ?? 0

    @Option(help: "Log format: text or json, one object per line (env LOG_FORMAT).")
    var logFormat: String = ProcessInfo.processInfo.environment["LOG_FORMAT"] ?? "text"

    @Option(help: "Log level (env LOG_LEVEL).")
    var logLevel: String = environment["LOG_LEVEL"] ?? "warning"

    func validate() throws {
        guard rate >= 0 else { throw ValidationError("--rate must be 0 or more, got \(rate)") }
        guard count >= 0 else { throw ValidationError("--count must be 0 or more, got \(count)") }
        do {
            _ = try LoggingSetup.parse(format: logFormat, level: logLevel)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let (format, level) = try LoggingSetup.parse(format: logFormat, level: logLevel)
        LoggingSetup.bootstrap(format: format, level: level)
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker, clientID: "foodcount-datafeed"),
                logger: Logger(label: "foodcount.datafeed"))
        } catch {
            FileHandle.standardError.write(Data("datafeed: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let stop = StopSignal()
        say(".. producer connected to \(broker), topic \(topic).")
        let failed: Int
        if rate == 0 {
            failed = try await paced(producer, stop: stop)
        } else {
            failed = try LoadGenerator(producer: producer, topic: topic, rate: rate, count: count, stop: stop).run()
        }
        producer.close()
        if failed > 0 { throw ExitCode(1) }
    }

    /// The original feed: one random food every 1-2 s.
    private func paced(_ producer: KafkaProducer, stop: StopSignal) async throws -> Int {
        var sent = 0
        var failed = 0
        while !stop.isSet, count == 0 || sent < count {
            let food = Foods.all.randomElement()!
            say("Sending random message {\"food\": \"\(food)\"}...")
            do {
                _ = try await producer.send(ProducerRecord(topic: topic, value: Array("{\"food\": \"\(food)\"}".utf8)))
            } catch {
                failed += 1
                say("   failed: \(error)")
            }
            sent += 1
            if count != 0, sent >= count { break }
            let wait = Int.random(in: 1...2)
            say("Waiting \(wait) seconds...")
            for _ in 0..<(wait * 10) where !stop.isSet { try await Task.sleep(for: .milliseconds(100)) }
        }
        return failed
    }
}

/// Writes a line to standard output at once (unbuffered, so `docker logs` and pipes see it live).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Set by SIGINT or SIGTERM.
final class StopSignal: @unchecked Sendable {
    private let flag = Atomic<Bool>(false)
    /// Written only in `init`.
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.flag.store(true, ordering: .relaxed) }
            source.resume()
            sources.append(source)
        }
    }

    var isSet: Bool { flag.load(ordering: .relaxed) }
}
