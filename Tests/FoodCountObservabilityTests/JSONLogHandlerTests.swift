import Dispatch
import Foundation
import Logging
import Synchronization
import XCTest

@testable import FoodCountObservability

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

final class JSONLogHandlerTests: XCTestCase {
    func testEachLogCallWritesExactlyOneJSONObjectOnOneLine() throws {
        let collector = LineCollector()
        var logger = makeLogger(label: "foodcount.consumer", collector: collector)
        logger[metadataKey: "topic"] = "message"
        let before = Date()

        logger.warning("dead-lettering invalid event", metadata: ["partition": "0", "offset": "42"])

        let line = try XCTUnwrap(collector.singleLine())
        let object = try parse(line)
        XCTAssertEqual(
            Set(object.keys), ["time", "level", "label", "message", "source", "topic", "partition", "offset"])
        XCTAssertEqual(object["level"] as? String, "warning")
        XCTAssertEqual(object["label"] as? String, "foodcount.consumer")
        XCTAssertEqual(object["message"] as? String, "dead-lettering invalid event")
        XCTAssertEqual(object["source"] as? String, "FoodCountObservabilityTests")
        XCTAssertEqual(object["topic"] as? String, "message")
        XCTAssertEqual(object["partition"] as? String, "0")
        XCTAssertEqual(object["offset"] as? String, "42")

        let time = try XCTUnwrap(object["time"] as? String)
        XCTAssertNotNil(
            time.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression), time)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try XCTUnwrap(formatter.date(from: time))
        XCTAssertEqual(date.timeIntervalSince(before), 0, accuracy: 5)

        XCTAssertEqual(
            try keyOrder(in: line), ["time", "level", "label", "message", "source", "offset", "partition", "topic"])
    }

    func testTimeIsISO8601InUTCWithMilliseconds() {
        XCTAssertEqual(format(seconds: 1_795_947_302, milliseconds: 123), "2026-11-29T10:15:02.123Z")
        XCTAssertEqual(format(seconds: 951_868_799, milliseconds: 5), "2000-02-29T23:59:59.005Z")
        XCTAssertEqual(format(seconds: 0, milliseconds: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(format(seconds: -1, milliseconds: 999), "1969-12-31T23:59:59.999Z")

        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let seconds = Int.random(in: 0..<4_102_444_800, using: &generator)  // 1970 up to 2100
            let milliseconds = Int.random(in: 0..<1_000, using: &generator)
            let expected = formatter.string(
                from: Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1_000 + 0.000_1))
            XCTAssertEqual(format(seconds: seconds, milliseconds: milliseconds), expected)
        }
    }

    func testMetadataMergesHandlerThenProviderThenCallWithTheLaterWinning() throws {
        let collector = LineCollector()
        let provider = Logger.MetadataProvider {
            ["fromProvider": "provider", "handlerAndProvider": "provider", "all": "provider"]
        }
        var logger = makeLogger(collector: collector, metadataProvider: provider)
        logger[metadataKey: "fromHandler"] = "handler"
        logger[metadataKey: "handlerAndProvider"] = "handler"
        logger[metadataKey: "handlerAndCall"] = "handler"
        logger[metadataKey: "all"] = "handler"

        logger.info("merged", metadata: ["fromCall": "call", "handlerAndCall": "call", "all": "call"])

        let object = try parse(try XCTUnwrap(collector.singleLine()))
        XCTAssertEqual(object["fromHandler"] as? String, "handler")
        XCTAssertEqual(object["fromProvider"] as? String, "provider")
        XCTAssertEqual(object["fromCall"] as? String, "call")
        XCTAssertEqual(object["handlerAndProvider"] as? String, "provider")
        XCTAssertEqual(object["handlerAndCall"] as? String, "call")
        XCTAssertEqual(object["all"] as? String, "call")
    }

    func testNestedArrayAndDictionaryMetadataBecomeJSONArraysAndObjects() throws {
        let collector = LineCollector()
        let logger = makeLogger(collector: collector)

        logger.info(
            "nested",
            metadata: [
                "list": ["a", .stringConvertible(7), ["inner"]],
                "object": ["z": "last", "a": ["x": "y"], "n": .stringConvertible(true)],
                "count": .stringConvertible(42),
                "empty": [],
            ])

        let line = try XCTUnwrap(collector.singleLine())
        let object = try parse(line)
        let list = try XCTUnwrap(object["list"] as? [Any])
        XCTAssertEqual(list.count, 3)
        XCTAssertEqual(list[0] as? String, "a")
        XCTAssertEqual(list[1] as? String, "7")
        XCTAssertEqual(list[2] as? [String], ["inner"])
        let dictionary = try XCTUnwrap(object["object"] as? [String: Any])
        XCTAssertEqual(dictionary["z"] as? String, "last")
        XCTAssertEqual(dictionary["n"] as? String, "true")
        XCTAssertEqual(dictionary["a"] as? [String: String], ["x": "y"])
        XCTAssertEqual(object["count"] as? String, "42")
        XCTAssertEqual((object["empty"] as? [Any])?.count, 0)
        XCTAssertTrue(
            String(decoding: line, as: UTF8.self).contains(#""object":{"a":{"x":"y"},"n":"true","z":"last"}"#))
    }

    func testEscapesQuotesBackslashesAndControlCharactersAndKeepsUnicodeAsUTF8() throws {
        let collector = LineCollector()
        let tricky = "say \"hi\" C:\\path\nnext\tcol\r\u{01}bell\u{1F}unit é 🍕 \u{7F}"
        let logger = makeLogger(label: "label \"quoted\"\n", collector: collector)

        logger.info("\(tricky)", metadata: ["key \"with\"\nnewline": "\(tricky)"])

        let line = try XCTUnwrap(collector.singleLine())
        let text = String(decoding: line, as: UTF8.self)
        for escape in [#"\"hi\""#, #"C:\\path"#, #"\n"#, #"\t"#, #"\r"#, #"\u0001"#, #"\u001f"#] {
            XCTAssertTrue(text.contains(escape), "missing \(escape) in \(text)")
        }
        XCTAssertTrue(text.contains("é 🍕 \u{7F}"), "non-ASCII must stay raw UTF-8: \(text)")
        XCTAssertFalse(text.contains("\\u00e9"))

        let object = try parse(line)
        XCTAssertEqual(object["message"] as? String, tricky)
        XCTAssertEqual(object["label"] as? String, "label \"quoted\"\n")
        XCTAssertEqual(object["key \"with\"\nnewline"] as? String, tricky)
    }

    func testMetadataKeysThatCollideWithReservedKeysArePrefixedWithMeta() throws {
        let collector = LineCollector()
        let logger = makeLogger(label: "real-label", collector: collector)

        logger.info(
            "real message",
            metadata: [
                "time": "t", "level": "l", "label": "b", "message": "m", "source": "s",
                "meta.source": "already-prefixed",
            ])

        let object = try parse(try XCTUnwrap(collector.singleLine()))
        XCTAssertEqual(object["level"] as? String, "info")
        XCTAssertEqual(object["label"] as? String, "real-label")
        XCTAssertEqual(object["message"] as? String, "real message")
        XCTAssertEqual(object["source"] as? String, "FoodCountObservabilityTests")
        XCTAssertNotEqual(object["time"] as? String, "t")
        XCTAssertEqual(object["meta.time"] as? String, "t")
        XCTAssertEqual(object["meta.level"] as? String, "l")
        XCTAssertEqual(object["meta.label"] as? String, "b")
        XCTAssertEqual(object["meta.message"] as? String, "m")
        XCTAssertEqual(object["meta.source"] as? String, "already-prefixed")
        XCTAssertEqual(object["meta.meta.source"] as? String, "s")
        XCTAssertEqual(object.count, 11)
    }

    func testAnErrorIsWrittenAsErrorMessageAndType() throws {
        let collector = LineCollector()
        let logger = makeLogger(collector: collector)

        logger.error("failed", error: SampleError(reason: "disk full"))

        let object = try parse(try XCTUnwrap(collector.singleLine()))
        XCTAssertEqual(object["error.message"] as? String, "SampleError(reason: \"disk full\")")
        XCTAssertEqual((object["error.type"] as? String)?.hasSuffix("SampleError"), true)
    }

    func testEntriesBelowTheLogLevelAreNotWritten() throws {
        let collector = LineCollector()
        let byDefault = makeLogger(collector: collector)
        XCTAssertEqual(byDefault.logLevel, .info)
        byDefault.trace("dropped")
        byDefault.debug("dropped")
        XCTAssertTrue(collector.chunks.isEmpty)

        var logger = makeLogger(collector: collector)
        logger.logLevel = .warning
        logger.info("dropped")
        logger.notice("dropped")
        XCTAssertTrue(collector.chunks.isEmpty)
        logger.warning("kept")
        logger.critical("kept")

        let levels = try collector.chunks.map { try parse($0)["level"] as? String }
        XCTAssertEqual(levels, ["warning", "critical"])
    }

    func testConcurrentLoggingFromEightThreadsYieldsOneValidLinePerCall() throws {
        let collector = LineCollector()
        let logger = makeLogger(collector: collector)
        let threads = 8
        let linesPerThread = 500

        runOnThreads(threads) { thread in
            for index in 0..<linesPerThread {
                logger.info(
                    "line \(index) from thread \(thread)",
                    metadata: [
                        "thread": "\(thread)", "index": "\(index)", "payload": "\(String(repeating: "x", count: 200))",
                    ]
                )
            }
        }

        let chunks = collector.chunks
        XCTAssertEqual(chunks.count, threads * linesPerThread)
        var seen = Set<String>()
        for chunk in chunks where chunk.last == UInt8(ascii: "\n") && chunk.dropLast().allSatisfy({ $0 != 0x0A }) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(chunk)) as? [String: Any] else { continue }
            seen.insert("\(object["thread"] as? String ?? "?")/\(object["index"] as? String ?? "?")")
        }
        XCTAssertEqual(seen.count, threads * linesPerThread, "every call must yield one distinct, valid JSON line")
    }

    func testConcurrentLongLinesThroughAPipeNeverInterleave() throws {
        var descriptors: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&descriptors), 0)
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        let received = Mutex<[UInt8]>([])
        let reader = DispatchGroup()
        reader.enter()
        Thread {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count > 0 {
                    received.withLock { $0.append(contentsOf: chunk[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            reader.leave()
        }.start()

        var handler = JSONLogHandler(label: "pipe", output: .fileDescriptor(writeEnd), metadataProvider: nil)
        handler.logLevel = .info
        let logger = Logger(label: "pipe", factory: { [handler] _ in handler })
        let threads = 8
        let linesPerThread = 100
        let payload = String(repeating: "0123456789", count: 1_000)  // well above PIPE_BUF

        runOnThreads(threads) { thread in
            for index in 0..<linesPerThread {
                logger.info("\(payload)", metadata: ["thread": "\(thread)", "index": "\(index)"])
            }
        }
        close(writeEnd)
        XCTAssertEqual(reader.wait(timeout: .now() + 60), .success)
        close(readEnd)

        let lines = received.withLock { $0 }.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        XCTAssertEqual(lines.last?.isEmpty, true)
        XCTAssertEqual(lines.count - 1, threads * linesPerThread)
        let intact = lines.dropLast().filter { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            return object?["message"] as? String == payload
        }
        XCTAssertEqual(intact.count, threads * linesPerThread, "lines were torn or interleaved")
    }

    func testParsingReadsFormatAndLevelAndDefaultsToTextAndInfo() throws {
        let defaults = try LoggingSetup.parse(format: nil, level: nil)
        XCTAssertEqual(defaults.format, .text)
        XCTAssertEqual(defaults.level, .info)

        let blank = try LoggingSetup.parse(format: "", level: "  ")
        XCTAssertEqual(blank.format, .text)
        XCTAssertEqual(blank.level, .info)

        let json = try LoggingSetup.parse(format: "json", level: "debug")
        XCTAssertEqual(json.format, .json)
        XCTAssertEqual(json.level, .debug)

        let shouted = try LoggingSetup.parse(format: " JSON\n", level: "Warning")
        XCTAssertEqual(shouted.format, .json)
        XCTAssertEqual(shouted.level, .warning)

        for level in Logger.Level.allCases {
            XCTAssertEqual(try LoggingSetup.parse(format: "text", level: level.rawValue).level, level)
        }
        XCTAssertEqual(LogFormat.allCases, [.text, .json])
        XCTAssertEqual(LogFormat.allCases.map(\.rawValue), ["text", "json"])
    }

    func testParsingRejectsUnknownValuesNamingTheAcceptedOnes() {
        XCTAssertThrowsError(try LoggingSetup.parse(format: "xml", level: nil)) { error in
            XCTAssertEqual(
                (error as? LoggingSetup.ParseError)?.message, "unknown log format 'xml'; expected one of: text, json")
        }
        XCTAssertThrowsError(try LoggingSetup.parse(format: "json", level: "warn")) { error in
            XCTAssertEqual(
                "\(error)",
                "unknown log level 'warn'; expected one of: trace, debug, info, notice, warning, error, critical")
        }
    }

    func testMakeHandlerPicksTheHandlerForTheFormatAndAppliesTheLevel() throws {
        let json = LoggingSetup.makeHandler(label: "a", format: .json, level: .debug)
        XCTAssertEqual(try XCTUnwrap(json as? JSONLogHandler).logLevel, .debug)
        XCTAssertEqual((json as? JSONLogHandler)?.label, "a")

        let text = LoggingSetup.makeHandler(label: "b", format: .text, level: .error)
        XCTAssertEqual(try XCTUnwrap(text as? StreamLogHandler).logLevel, .error)
    }

    // MARK: - Helpers

    private func makeLogger(
        label: String = "test",
        collector: LineCollector,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> Logger {
        let handler = JSONLogHandler(
            label: label, output: .custom(collector.append), metadataProvider: metadataProvider)
        return Logger(label: label, factory: { _ in handler })
    }

    private func parse(_ line: [UInt8]) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(String(decoding: line, as: UTF8.self))")
    }

    private func format(seconds: Int, milliseconds: Int) -> String {
        // A tenth of a millisecond more, so that binary floating point cannot land just below the millisecond.
        JSONLogHandler.timestamp(
            Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1_000 + 0.000_1))
    }

    /// The top-level keys of a flat JSON line, in the order they are written.
    private func keyOrder(in line: [UInt8]) throws -> [String] {
        let text = String(decoding: line, as: UTF8.self)
        let pattern = try NSRegularExpression(pattern: #"[{,]"([^"\\]*)":"#)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// Runs `body` on `count` dedicated threads at once and waits for all of them.
    private func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for thread in 0..<count {
            group.enter()
            Thread {
                body(thread)
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
    }
}

/// Collects what a custom output receives, one chunk per call, safely across threads.
private final class LineCollector: Sendable {
    private let received = Mutex<[[UInt8]]>([])

    var chunks: [[UInt8]] { received.withLock { $0 } }

    func append(_ line: [UInt8]) {
        received.withLock { $0.append(line) }
    }

    /// The only chunk, checked to be one newline-terminated line.
    func singleLine() -> [UInt8]? {
        let chunks = self.chunks
        XCTAssertEqual(chunks.count, 1)
        guard let line = chunks.first else { return nil }
        XCTAssertEqual(line.last, UInt8(ascii: "\n"))
        XCTAssertEqual(line.filter { $0 == UInt8(ascii: "\n") }.count, 1, "a raw newline inside the line")
        return line
    }
}

private struct SampleError: Error {
    var reason: String
}
