import Foundation
import Logging
import Synchronization

/// A log handler that writes each log entry as one JSON object on its own line (JSON Lines).
///
/// A line holds `time` (ISO 8601, UTC, milliseconds), `level`, `label`, `message` and `source`, in that order,
/// followed by every metadata entry as a top-level key, sorted by key. Metadata is merged from the handler's
/// ``metadata``, then the ``metadataProvider``, then the log call's own metadata; a later source wins on equal keys.
/// An error passed to the log call is added as `error.message` and `error.type`, as `StreamLogHandler` does.
/// A metadata key equal to one of the fixed keys is written with the prefix `meta.` (for example `meta.level`).
///
/// Each line is built whole and handed to the ``Output`` in one call, so lines from concurrent loggers never
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
    private let encodedLabel: String

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
        self.encodedLabel = Self.json(label)
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
        output.write(line(for: event, at: Date()))
    }

    /// Builds the line for an entry, newline included.
    /// - Parameters:
    ///   - event: The entry.
    ///   - time: When it happened.
    func line(for event: LogEvent, at time: Date) -> [UInt8] {
        var line = #"{"time":""# + Self.timestamp(time) + #"","level":""# + event.level.rawValue + #"","label":"#
        line += encodedLabel + #","message":"# + Self.json(event.message.description)
        line += #","source":"# + Self.json(event.source)
        // The metadata as one object, keys sorted, spliced in after the fixed keys.
        let metadata = Self.json(mergedMetadata(explicit: event.metadata, error: event.error).mapValues(JSONValue.init))
        line += metadata == "{}" ? "}" : "," + metadata.dropFirst()
        return Array((line + "\n").utf8)
    }

    /// The `time` field: `YYYY-MM-DDTHH:MM:SS.mmmZ`, the milliseconds truncated.
    /// - Parameter time: The moment to write.
    static func timestamp(_ time: Date) -> String {
        time.formatted(timeStyle)
    }

    private static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The merged metadata of one call, with reserved keys renamed.
    private func mergedMetadata(explicit: Logger.Metadata?, error: (any Error)?) -> Logger.Metadata {
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
        for key in ["time", "level", "label", "message", "source"] {
            guard let value = merged.removeValue(forKey: key) else { continue }
            var renamed = "meta." + key  // as often as needed to avoid a key that is already in use
            while merged[renamed] != nil { renamed = "meta." + renamed }
            merged[renamed] = value
        }
        return merged
    }

    /// A value as JSON text: strings escaped as JSON requires (non-ASCII kept as UTF-8), object keys sorted.
    private static func json(_ value: some Encodable) -> String {
        String(decoding: (try? encoder.encode(value)) ?? Data(#""""#.utf8), as: UTF8.self)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A metadata value in JSON: strings as strings, arrays as arrays, dictionaries as objects.
    private struct JSONValue: Encodable {
        let value: Logger.Metadata.Value

        init(_ value: Logger.Metadata.Value) { self.value = value }

        func encode(to encoder: any Encoder) throws {
            switch value {
            case .string(let string):
                var container = encoder.singleValueContainer()
                try container.encode(string)
            case .stringConvertible(let convertible):
                var container = encoder.singleValueContainer()
                try container.encode(convertible.description)
            case .array(let values):
                var container = encoder.singleValueContainer()
                try container.encode(values.map(JSONValue.init))
            case .dictionary(let dictionary):
                var container = encoder.singleValueContainer()
                try container.encode(dictionary.mapValues(JSONValue.init))
            }
        }
    }
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

        /// An open file descriptor, written under a process-wide lock; the descriptor stays open. `FileHandle`
        /// writes until the whole line is out, retrying interrupted writes.
        /// - Parameter fileDescriptor: The descriptor, for example 2 for standard error.
        static func fileDescriptor(_ fileDescriptor: Int32) -> Output {
            let handle = FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: false)
            return Output { line in
                // Nowhere to report a failing log stream: the rest of the line is dropped.
                fileLock.withLock { _ in try? handle.write(contentsOf: line) }
            }
        }
    }
}
