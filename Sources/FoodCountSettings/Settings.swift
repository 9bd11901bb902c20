import Configuration
import Foundation

/// The programs' settings from the environment, read through swift-configuration, strictly: a variable
/// that is set but does not parse is an error naming the variable, its value and what is allowed, never
/// a silent default.
///
/// Secrets (``secretNames``) may also come from a file named by `NAME_FILE` (Docker and Kubernetes
/// secrets); their values are marked secret, so that swift-configuration's access reports redact them,
/// and no error message repeats them. The defaults are not here: each caller falls back to its library's
/// `Configuration` when a variable is not set.
public struct Settings: Sendable {
    /// The variables that hold secrets (``SettingCatalog/secretVariables``).
    public static let secretNames: Set<String> = SettingCatalog.secretVariables

    private let reader: ConfigReader

    /// Reads an environment.
    /// - Parameter environment: The variables; the process's own by default.
    /// - Throws: ``SettingError`` when a secret is given twice (`NAME` and `NAME_FILE`) or its file cannot
    ///   be read.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SettingError) {
        var fromFiles: [AbsoluteConfigKey: ConfigValue] = [:]
        for name in Self.secretNames.sorted() {
            guard let path = environment[name + "_FILE"] else { continue }
            guard environment[name] == nil else {
                throw SettingError(variable: name, value: nil, expected: "either \(name) or \(name)_FILE, not both")
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw SettingError(
                    variable: name + "_FILE", value: path, expected: "a readable UTF-8 file holding the secret")
            }
            let secret = text.hasSuffix("\n") ? String(text.dropLast()) : text
            fromFiles[AbsoluteConfigKey(Self.key(name))] = ConfigValue(.string(secret), isSecret: true)
        }
        reader = ConfigReader(providers: [
            InMemoryProvider(name: "secret files", values: fromFiles),
            EnvironmentVariablesProvider(
                environmentVariables: environment, secretsSpecifier: .specific(Self.secretNames)),
        ])
    }

    /// The configuration key whose environment form is `variable` (`KAFKA_BROKER` is `kafka.broker`).
    static func key(_ variable: String) -> ConfigKey {
        ConfigKey(variable.lowercased().split(separator: "_").map(String.init))
    }

    /// A variable's text, or `nil` when it is not set.
    public func string(_ variable: String) -> String? {
        reader.string(forKey: Self.key(variable), isSecret: Self.secretNames.contains(variable))
    }

    /// A variable's text, which must not be empty when set.
    public func nonEmpty(_ variable: String, expected: String) throws(SettingError) -> String? {
        guard let text = string(variable) else { return nil }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SettingError(variable: variable, value: text, expected: expected)
        }
        return text
    }

    /// A variable's integer, which must lie in `range`.
    public func int(_ variable: String, in range: ClosedRange<Int>) throws(SettingError) -> Int? {
        guard let text = string(variable) else { return nil }
        return try Self.int(text, named: variable, in: range)
    }

    /// One of a fixed set of words.
    public func choice<Choice: RawRepresentable & CaseIterable>(
        _ variable: String, as type: Choice.Type
    ) throws(SettingError) -> Choice? where Choice.RawValue == String {
        guard let text = string(variable) else { return nil }
        return try Self.choice(text, named: variable, as: type)
    }

    /// Parses an integer that must lie in `range`, naming `variable` when it does not.
    public static func int(_ text: String, named variable: String, in range: ClosedRange<Int>) throws(SettingError)
        -> Int
    {
        let expected =
            range.upperBound == .max
            ? "an integer of at least \(range.lowerBound)"
            : "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw SettingError(variable: variable, value: text, expected: expected)
        }
        return value
    }

    /// Parses one of a fixed set of words, naming `variable` when it is none of them.
    public static func choice<Choice: RawRepresentable & CaseIterable>(
        _ text: String, named variable: String, as type: Choice.Type
    ) throws(SettingError) -> Choice where Choice.RawValue == String {
        guard let value = Choice(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingError(variable: variable, value: text, expected: "one of \(allowed)")
        }
        return value
    }
}

extension Settings {
    /// A declared setting's value: the flag's text, else its variable, else its default (`nil` when it has
    /// none). Either text must be one the declaration allows; the error names the flag or the variable.
    /// - Parameters:
    ///   - setting: The declaration.
    ///   - flag: The flag's text, if given.
    public func value<Value>(_ setting: Setting<Value>, flag: String? = nil) throws(SettingError) -> Value? {
        if let flag { return try setting.parse(flag, named: setting.flagName ?? setting.variable) }
        if let text = string(setting.variable) { return try setting.parse(text, named: setting.variable) }
        return setting.defaultValue
    }

    /// A declared setting's value, which has a default: see ``value(_:flag:)``.
    public func required<Value>(_ setting: Setting<Value>, flag: String? = nil) throws(SettingError) -> Value {
        guard let value = try value(setting, flag: flag) else {
            throw SettingError(variable: setting.variable, value: nil, expected: setting.expected)
        }
        return value
    }

    /// Every declared setting of `program` whose value is not allowed: the flag's, where one is given
    /// (`flags`, by variable), else the environment's. One error each, for `consumer check-config`.
    public func problems(of program: Program, flags: [String: String] = [:]) -> [SettingError] {
        SettingCatalog.settings(of: program).compactMap { setting in
            if let text = flags[setting.variable] { return setting.check(text, named: setting.flagName ?? "") }
            guard let text = string(setting.variable) else { return nil }
            if setting.emptyMeansDefault, text.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            return setting.check(text, named: setting.variable)
        }
    }

    /// An integer from a flag, else its variable, else `fallback`; either must lie in `range`.
    /// - Parameters:
    ///   - flag: The flag's value, if given.
    ///   - flagName: The flag, for errors (`--batch-size`).
    ///   - variable: The environment variable (`BATCH_SIZE`).
    ///   - range: What is allowed.
    ///   - fallback: The default.
    public func int(
        flag: Int?, _ flagName: String, _ variable: String, in range: ClosedRange<Int>, default fallback: Int
    ) throws(SettingError) -> Int {
        if let flag {
            guard range.contains(flag) else { return try Self.int(String(flag), named: flagName, in: range) }
            return flag
        }
        return try int(variable, in: range) ?? fallback
    }

    /// Text from a flag, else its variable, else `fallback`.
    public func text(flag: String?, _ variable: String, default fallback: String) -> String {
        flag ?? string(variable) ?? fallback
    }
}

extension Settings {
    /// A yes/no variable: true, false, yes, no, 1 or 0.
    public func bool(_ variable: String) throws(SettingError) -> Bool? {
        guard let text = string(variable) else { return nil }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0", "": return false
        default: throw SettingError(variable: variable, value: text, expected: "true or false")
        }
    }
}

extension Duration {
    /// The duration in whole milliseconds, for help texts and settings.
    public var wholeMilliseconds: Int {
        Int(self / .milliseconds(1))
    }
}
