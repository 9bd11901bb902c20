import ArgumentParser
import FoodCountCore
import FoodCountObservability
import Logging

/// The logging flags every program shares, falling back to `LOG_FORMAT` and `LOG_LEVEL`.
public struct LoggingOptions: ParsableArguments {
    @Option(help: "Log format: text or json, one object per line (env LOG_FORMAT; default text).")
    var logFormat: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env LOG_LEVEL).")
    var logLevel: String?

    /// Creates the options with nothing given.
    public init() {}

    /// The format and level, from the flags, the environment, or `text` and `defaultLevel`.
    public func resolve(_ settings: Settings, defaultLevel: Logger.Level) throws(SettingError) -> (
        LogFormat, Logger.Level
    ) {
        try settings.logging(format: logFormat, level: logLevel, defaultLevel: defaultLevel)
    }
}
