import ArgumentParser
import FoodCountCore
import FoodCountObservability
import Foundation
import Logging

/// The logging flags every program shares (``SettingCatalog/logFormat``, ``SettingCatalog/logLevel``).
public struct LoggingOptions: ParsableArguments {
    @Option(SettingCatalog.logFormat) var logFormat: String?
    @Option(SettingCatalog.logLevel) var logLevel: String?

    /// The flags given, by the variable of their setting (for `check-config`).
    public var given: [String: String] {
        var given: [String: String] = [:]
        given[SettingCatalog.logFormat.variable] = logFormat
        given[SettingCatalog.logLevel.variable] = logLevel
        return given
    }

    /// Creates the options with nothing given.
    public init() {}

    /// The format and level, from the flags, the environment, or `text` and `defaultLevel`.
    public func resolve(_ settings: Settings, defaultLevel: Logger.Level) throws(SettingError) -> (
        LogFormat, Logger.Level
    ) {
        // An empty variable is the default, as if it were not set.
        func given(_ setting: some DeclaredSetting) -> Bool {
            settings.string(setting.variable).map { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? false
        }
        let format =
            logFormat != nil || given(SettingCatalog.logFormat)
            ? try settings.required(SettingCatalog.logFormat, flag: logFormat) : .text
        let level =
            logLevel != nil || given(SettingCatalog.logLevel)
            ? try settings.required(SettingCatalog.logLevel, flag: logLevel) : defaultLevel
        return (format, level)
    }
}
