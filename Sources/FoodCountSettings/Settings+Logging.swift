import FoodCountCore
import FoodCountObservability
import Logging

extension Settings {
    /// The log format and level: the flags, else `LOG_FORMAT` and `LOG_LEVEL`, else `text` and
    /// `defaultLevel`; an unknown value names its variable.
    /// - Parameters:
    ///   - format: The `--log-format` flag, if given.
    ///   - level: The `--log-level` flag, if given.
    ///   - defaultLevel: The program's level when none is set.
    public func logging(format: String?, level: String?, defaultLevel: Logger.Level) throws(SettingError) -> (
        LogFormat, Logger.Level
    ) {
        let formatText = format ?? string("LOG_FORMAT")
        let levelText = level ?? string("LOG_LEVEL") ?? defaultLevel.rawValue
        do {
            _ = try LoggingSetup.parse(format: formatText, level: nil)
        } catch {
            throw SettingError(
                variable: format == nil ? "LOG_FORMAT" : "--log-format", value: formatText, expected: "text or json")
        }
        do {
            return try LoggingSetup.parse(format: formatText, level: levelText)
        } catch {
            throw SettingError(
                variable: level == nil ? "LOG_LEVEL" : "--log-level", value: levelText,
                expected: "one of trace, debug, info, notice, warning, error, critical")
        }
    }
}
