import Logging
import Synchronization

/// Turns the log format and level settings (`LOG_FORMAT`, `LOG_LEVEL` or their flags) into a bootstrapped
/// `LoggingSystem`.
public enum LoggingSetup {
    /// A log format or level setting that is not one of the known values.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong and which values are accepted, for humans.
        public var message: String

        /// Creates an error.
        /// - Parameter message: What is wrong and which values are accepted.
        public init(message: String) {
            self.message = message
        }

        /// The ``message``.
        public var description: String { message }
    }

    /// Reads the log format and level from their settings.
    ///
    /// Values are case-insensitive and surrounding whitespace is ignored. A missing or blank setting takes its
    /// default: `text` for the format, `info` for the level.
    /// - Parameters:
    ///   - format: `text` or `json`, or nil.
    ///   - level: `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`, or nil.
    /// - Returns: The format and the level.
    /// - Throws: ``ParseError`` naming the accepted values when either setting is unknown.
    public static func parse(format: String?, level: String?) throws(ParseError) -> (
        format: LogFormat, level: Logger.Level
    ) {
        var parsedFormat = LogFormat.text
        if let format = normalized(format) {
            guard let known = LogFormat(rawValue: format) else {
                throw ParseError(message: "unknown log format '\(format)'; expected one of: \(names(LogFormat.self))")
            }
            parsedFormat = known
        }
        var parsedLevel = Logger.Level.info
        if let level = normalized(level) {
            guard let known = Logger.Level(rawValue: level) else {
                throw ParseError(message: "unknown log level '\(level)'; expected one of: \(names(Logger.Level.self))")
            }
            parsedLevel = known
        }
        return (parsedFormat, parsedLevel)
    }

    /// Makes the handler that ``bootstrap(format:level:metadataProvider:)`` installs for a logger.
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - format: `text` for swift-log's `StreamLogHandler` on standard error, `json` for ``JSONLogHandler``.
    ///   - level: The handler's log level.
    ///   - metadataProvider: Supplies metadata at each log call, or nil.
    /// - Returns: The handler, writing to standard error.
    public static func makeHandler(
        label: String,
        format: LogFormat,
        level: Logger.Level,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> any LogHandler {
        switch format {
        case .text:
            var handler = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler(label: label, output: .standardError, metadataProvider: metadataProvider)
            handler.logLevel = level
            return handler
        }
    }

    /// Bootstraps `LoggingSystem` with the handler for `format` at `level`, writing to standard error.
    ///
    /// `LoggingSystem` can be bootstrapped once per process; only the first call here does it and later calls do
    /// nothing, so that calling it twice does not crash.
    /// - Parameters:
    ///   - format: The output format.
    ///   - level: The lowest level that is written.
    ///   - metadataProvider: Supplies metadata, such as task-local context, at each log call; none unless given.
    /// - Returns: Whether this call bootstrapped the logging system.
    @discardableResult
    public static func bootstrap(
        format: LogFormat,
        level: Logger.Level,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> Bool {
        guard bootstrapped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return false }
        LoggingSystem.bootstrap(
            { label, metadataProvider in
                makeHandler(label: label, format: format, level: level, metadataProvider: metadataProvider)
            },
            metadataProvider: metadataProvider
        )
        return true
    }

    private static let bootstrapped = Atomic(false)

    /// The setting lowercased and trimmed, or nil when it is missing or blank.
    private static func normalized(_ setting: String?) -> String? {
        guard let setting else { return nil }
        let trimmed = setting.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
        return trimmed.isEmpty ? nil : String(trimmed).lowercased()
    }

    /// The raw values of all cases, comma-separated.
    private static func names<Setting: CaseIterable & RawRepresentable>(_: Setting.Type) -> String
    where Setting.RawValue == String {
        Setting.allCases.map(\.rawValue).joined(separator: ", ")
    }
}
