import Logging
import Synchronization

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A log handler that writes each log entry as one JSON object on its own line (JSON Lines).
///
/// A line holds `time` (ISO 8601, UTC, milliseconds), `level`, `label`, `message` and `source`, in that order,
/// followed by every metadata entry as a top-level key, sorted by key. Metadata is merged from the handler's
/// ``metadata``, then the ``metadataProvider``, then the log call's own metadata; a later source wins on equal keys.
/// An error passed to the log call is added as `error.message` and `error.type`, as `StreamLogHandler` does.
/// A metadata key equal to one of the fixed keys is written with the prefix `meta.` (for example `meta.level`).
///
/// Each line is built in one buffer and handed to the ``Output`` whole, so lines from concurrent loggers never
/// interleave.
public struct JSONLogHandler: LogHandler {
    /// The label of the logger this handler serves.
    public let label: String
    /// The lowest level that is written; lower levels are dropped by the `Logger`. Defaults to `info`.
    public var logLevel: Logger.Level = .info
    /// Metadata written with every entry of this handler.
    public var metadata: Logger.Metadata = [:]
    /// Supplies metadata, such as task-local context, at the moment of each log call.
    public var metadataProvider: Logger.MetadataProvider?

    private let output: Output
    private let encodedLabel: [UInt8]

    /// Creates a handler.
    /// - Parameters:
    ///   - label: The label of the logger, written as `label` on every line.
    ///   - output: Where lines go; standard error unless given.
    ///   - metadataProvider: Supplies metadata at each log call; the one bootstrapped into `LoggingSystem` unless
    ///     given.
    public init(
        label: String,
        output: Output = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.output = output
        self.metadataProvider = metadataProvider
        var encodedLabel: [UInt8] = []
        Self.appendString(label, to: &encodedLabel)
        self.encodedLabel = encodedLabel
    }

    /// Gets or sets one entry of the handler's ``metadata``.
    /// - Parameter metadataKey: The key of the entry.
    public subscript(metadataKey metadataKey: String) -> Logger.Metadata.Value? {
        get { metadata[metadataKey] }
        set { metadata[metadataKey] = newValue }
    }

    /// Writes one log entry as one JSON line.
    /// - Parameter event: The entry: level, message, metadata, error and source.
    public func log(event: LogEvent) {
        output.write(line(for: event, at: Timestamp.now()))
    }

    /// Builds the line for an entry, newline included.
    /// - Parameters:
    ///   - event: The entry.
    ///   - time: When it happened.
    func line(for event: LogEvent, at time: Timestamp) -> [UInt8] {
        let entries = sortedEntries(explicit: event.metadata, error: event.error)
        var line: [UInt8] = []
        line.reserveCapacity(160 + encodedLabel.count + entries.count * 32)
        line.append(contentsOf: #"{"time":""#.utf8)
        time.appendISO8601(to: &line)
        line.append(contentsOf: #"","level":""#.utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(contentsOf: #"","label":"#.utf8)
        line.append(contentsOf: encodedLabel)
        line.append(contentsOf: #","message":"#.utf8)
        Self.appendString(event.message.description, to: &line)
        line.append(contentsOf: #","source":"#.utf8)
        Self.appendString(event.source, to: &line)
        for (key, value) in entries {
            line.append(UInt8(ascii: ","))
            Self.appendString(key, to: &line)
            line.append(UInt8(ascii: ":"))
            Self.appendValue(value, to: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// The merged metadata of one call, with reserved keys renamed, sorted by key.
    private func sortedEntries(
        explicit: Logger.Metadata?,
        error: (any Error)?
    ) -> [(key: String, value: Logger.Metadata.Value)] {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        guard !merged.isEmpty else { return [] }
        var entries: [(key: String, value: Logger.Metadata.Value)] = []
        entries.reserveCapacity(merged.count)
        for (key, value) in merged {
            entries.append((Self.outputKey(for: key, among: merged), value))
        }
        entries.sort { $0.key < $1.key }
        return entries
    }

    /// The key under which a metadata entry is written: reserved keys get `meta.` in front, as often as needed to
    /// avoid a key that is already in use.
    private static func outputKey(for key: String, among metadata: Logger.Metadata) -> String {
        switch key {
        case "time", "level", "label", "message", "source":
            var renamed = "meta." + key
            while metadata[renamed] != nil {
                renamed = "meta." + renamed
            }
            return renamed
        default:
            return key
        }
    }

    /// Appends a metadata value as JSON: strings as strings, arrays as arrays, dictionaries as objects with
    /// sorted keys.
    private static func appendValue(_ value: Logger.Metadata.Value, to buffer: inout [UInt8]) {
        switch value {
        case .string(let string):
            appendString(string, to: &buffer)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &buffer)
        case .array(let values):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendValue(element, to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            buffer.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendString(key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                appendValue(dictionary[key]!, to: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Appends a JSON string literal: quotes, backslashes and control characters are escaped, everything else is
    /// kept as UTF-8.
    static func appendString(_ string: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(byte)
            case UInt8(ascii: "\n"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "t"))
            case 0..<0x20:
                buffer.append(contentsOf: #"\u00"#.utf8)
                buffer.append(hexDigits[Int(byte >> 4)])
                buffer.append(hexDigits[Int(byte & 0x0F)])
            default:
                buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

extension JSONLogHandler {
    /// Where a ``JSONLogHandler`` writes its lines.
    public struct Output: Sendable {
        private let writeLine: @Sendable ([UInt8]) -> Void

        private init(writeLine: @escaping @Sendable ([UInt8]) -> Void) {
            self.writeLine = writeLine
        }

        /// The process's standard error.
        public static let standardError = fileDescriptor(2)

        /// The process's standard output.
        public static let standardOutput = fileDescriptor(1)

        /// A closure that receives each line, newline included; it may be called from many threads at once.
        /// - Parameter write: Receives the UTF-8 bytes of one line.
        public static func custom(_ write: @escaping @Sendable ([UInt8]) -> Void) -> Output {
            Output(writeLine: write)
        }

        /// Hands one whole line to the output.
        /// - Parameter line: The UTF-8 bytes of the line, newline included.
        func write(_ line: [UInt8]) {
            writeLine(line)
        }

        /// Serializes writes from all handlers to file descriptors, so that a line that `write(2)` takes in several
        /// pieces (a full pipe, a signal) still never interleaves with another.
        private static let fileLock = Mutex(())

        /// An open file descriptor, written with `write(2)` under a process-wide lock; the descriptor stays open.
        /// - Parameter fileDescriptor: The descriptor, for example 2 for standard error.
        static func fileDescriptor(_ fileDescriptor: Int32) -> Output {
            Output { line in
                Self.fileLock.withLock { _ in
                    line.withUnsafeBytes { bytes in
                        guard var next = bytes.baseAddress else { return }
                        var remaining = bytes.count
                        while remaining > 0 {
                            let written = systemWrite(fileDescriptor, next, remaining)
                            if written > 0 {
                                next += written
                                remaining -= written
                            } else if written < 0 && errno == EINTR {
                                continue
                            } else {
                                return  // Nowhere to report a failing log stream; drop the rest of the line.
                            }
                        }
                    }
                }
            }
        }
    }
}

extension JSONLogHandler {
    /// A point in time for the `time` field, as seconds and milliseconds since the Unix epoch.
    struct Timestamp: Sendable, Hashable {
        /// Whole seconds since 1970-01-01T00:00:00Z.
        var seconds: Int
        /// Milliseconds past ``seconds``, 0...999.
        var milliseconds: Int

        /// The current time from the real-time clock.
        static func now() -> Timestamp {
            var time = timespec()
            clock_gettime(CLOCK_REALTIME, &time)
            return Timestamp(seconds: Int(time.tv_sec), milliseconds: Int(time.tv_nsec) / 1_000_000)
        }

        /// Appends the time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
        /// - Parameter buffer: The line being built.
        func appendISO8601(to buffer: inout [UInt8]) {
            let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
            // Civil date from days since the epoch (proleptic Gregorian), after Howard Hinnant's `civil_from_days`.
            let (era, dayOfEra) = (days + 719_468).floorDivided(by: 146_097)
            let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let shiftedMonth = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
            let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
            let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

            Self.appendDigits(year, count: 4, to: &buffer)
            buffer.append(UInt8(ascii: "-"))
            Self.appendDigits(month, count: 2, to: &buffer)
            buffer.append(UInt8(ascii: "-"))
            Self.appendDigits(day, count: 2, to: &buffer)
            buffer.append(UInt8(ascii: "T"))
            Self.appendDigits(secondOfDay / 3_600, count: 2, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            Self.appendDigits(secondOfDay % 3_600 / 60, count: 2, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            Self.appendDigits(secondOfDay % 60, count: 2, to: &buffer)
            buffer.append(UInt8(ascii: "."))
            Self.appendDigits(milliseconds, count: 3, to: &buffer)
            buffer.append(UInt8(ascii: "Z"))
        }

        /// Appends a non-negative number in decimal, zero-padded to at least `count` digits.
        private static func appendDigits(_ value: Int, count: Int, to buffer: inout [UInt8]) {
            let value = max(0, value)
            var divisor = 1
            var width = 1
            while width < count || value / divisor >= 10 {
                divisor *= 10
                width += 1
            }
            while divisor > 0 {
                buffer.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
    }
}

extension Int {
    /// Quotient rounded toward negative infinity, and the non-negative remainder that goes with it.
    fileprivate func floorDivided(by divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = self % divisor
        return remainder < 0 ? (self / divisor - 1, remainder + divisor) : (self / divisor, remainder)
    }
}

/// `write(2)`, under a name that does not clash with ``JSONLogHandler/Output``'s own `write`.
private func systemWrite(_ fileDescriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fileDescriptor, bytes, count)
}
