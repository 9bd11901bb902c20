import ArgumentParser
import Foundation

/// A program of FoodCount, as a setting names those that read it.
public enum Program: String, Sendable, CaseIterable, Comparable {
    /// `consumer`.
    case consumer
    /// `datafeed`.
    case datafeed
    /// `api`.
    case api
    /// `foodcount`, the operator's commands.
    case foodcount

    /// Orders as declared.
    public static func < (lhs: Program, rhs: Program) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What every declared setting tells, whatever its type: for `--help`, the README's table and
/// `consumer check-config`.
public protocol DeclaredSetting: Sendable {
    /// The environment variable (`BATCH_SIZE`).
    var variable: String { get }
    /// The long flag without its dashes (`batch-size`), or `nil` for a setting only the environment holds (a
    /// secret: a flag would show in `ps`).
    var flag: String? { get }
    /// What it does, one sentence without the variable or the default.
    var summary: String { get }
    /// The default as `--help` and the README show it, or `nil` when there is none to show.
    var defaultDescription: String? { get }
    /// Whether its value is a secret: read from `NAME_FILE` too, and never repeated.
    var isSecret: Bool { get }
    /// The programs that read it.
    var programs: [Program] { get }
    /// What is allowed, as errors say it.
    var expected: String { get }
    /// Whether an empty variable counts as not set (the default applies) rather than as a value.
    var emptyMeansDefault: Bool { get }
    /// Whether `text` is a value it allows; the error names `name` (the flag or the variable).
    func check(_ text: String, named name: String) -> SettingError?
}

extension DeclaredSetting {
    /// The help line: the summary, then the variable and the default.
    public var help: ArgumentHelp {
        ArgumentHelp("\(summary) (env \(variable)\(defaultDescription.map { "; default \($0)" } ?? "")).")
    }

    /// The flag as the programs spell it, `--batch-size`.
    public var flagName: String? { flag.map { "--" + $0 } }
}

/// One setting, declared once: its flag, variable, type and allowed values (``parse``), default, whether it
/// is a secret, the programs that read it, and its help. `--help` is built from it
/// (``DeclaredSetting/help``), and so are the typed reads (``Settings/value(_:flag:)``).
/// ``SettingCatalog`` lists them all; `docs/operations.md` and README's table follow it, which
/// `ConfigurationDocumentationTests` checks.
public struct Setting<Value: Sendable>: DeclaredSetting {
    public let variable: String
    public let flag: String?
    public let summary: String
    public let defaultDescription: String?
    public let isSecret: Bool
    public let programs: [Program]
    public let expected: String
    public let emptyMeansDefault: Bool
    /// The default, when the setting has one of its own (others fall back to their library's configuration).
    public let defaultValue: Value?
    private let parser: @Sendable (String) -> Value?

    /// Declares a setting.
    /// - Parameters:
    ///   - variable: The environment variable.
    ///   - flag: The long flag without dashes; `nil` for the environment only.
    ///   - summary: What it does.
    ///   - programs: Who reads it.
    ///   - defaultValue: Its default.
    ///   - defaultDescription: The default as shown; by default the value's own text.
    ///   - isSecret: Whether it is a secret.
    ///   - expected: What is allowed, for errors.
    ///   - emptyMeansDefault: Whether an empty variable counts as not set.
    ///   - parse: Reads a value, `nil` when it is not allowed.
    public init(
        _ variable: String, flag: String?, _ summary: String, programs: [Program], default defaultValue: Value? = nil,
        shown defaultDescription: String? = nil, isSecret: Bool = false, expected: String,
        emptyMeansDefault: Bool = false, parse: @escaping @Sendable (String) -> Value?
    ) {
        self.emptyMeansDefault = emptyMeansDefault
        self.variable = variable
        self.flag = flag
        self.summary = summary
        self.programs = programs
        self.defaultValue = defaultValue
        self.defaultDescription = defaultDescription ?? defaultValue.map { "\($0)" }
        self.isSecret = isSecret
        self.expected = expected
        self.parser = parse
    }

    /// Reads `text`; the error names `name` and repeats the text unless the setting is a secret.
    public func parse(_ text: String, named name: String) throws(SettingError) -> Value {
        guard let value = parser(text) else {
            throw SettingError(variable: name, value: isSecret ? nil : text, expected: expected)
        }
        return value
    }

    public func check(_ text: String, named name: String) -> SettingError? {
        do {
            _ = try parse(text, named: name)
            return nil
        } catch {
            return error
        }
    }
}

extension Setting where Value == Int {
    /// An integer in `range`.
    public static func integer(
        _ variable: String, flag: String?, _ summary: String, programs: [Program], in range: ClosedRange<Int>,
        default defaultValue: Int? = nil, shown: String? = nil
    ) -> Setting<Int> {
        Setting(
            variable, flag: flag, summary, programs: programs, default: defaultValue, shown: shown,
            expected: range.upperBound == .max
                ? "an integer of at least \(range.lowerBound)"
                : "an integer from \(range.lowerBound) to \(range.upperBound)"
        ) { text in
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else { return nil }
            return value
        }
    }
}

extension Setting where Value == String {
    /// Text that must not be empty.
    public static func text(
        _ variable: String, flag: String?, _ summary: String, programs: [Program], default defaultValue: String? = nil,
        shown: String? = nil, isSecret: Bool = false, expected: String = "a value that is not empty"
    ) -> Setting<String> {
        Setting(
            variable, flag: flag, summary, programs: programs, default: defaultValue, shown: shown, isSecret: isSecret,
            expected: expected
        ) { text in
            text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text
        }
    }

    /// Text that may be empty (an empty value means something: "none").
    public static func optionalText(
        _ variable: String, flag: String?, _ summary: String, programs: [Program], default defaultValue: String? = nil,
        shown: String? = nil
    ) -> Setting<String> {
        Setting(
            variable, flag: flag, summary, programs: programs, default: defaultValue, shown: shown, expected: "text"
        ) { $0 }
    }
}

extension Setting where Value == Bool {
    /// Yes or no: true, false, yes, no, 1 or 0 (empty is false).
    public static func yesNo(_ variable: String, flag: String?, _ summary: String, programs: [Program]) -> Setting<
        Bool
    > {
        Setting(variable, flag: flag, summary, programs: programs, default: false, expected: "true or false") { text in
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "yes", "1": true
            case "false", "no", "0", "": false
            default: nil
            }
        }
    }
}

extension Setting where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of a fixed set of words (case-insensitive).
    public static func choice(
        _ variable: String, flag: String?, _ summary: String, programs: [Program], default defaultValue: Value? = nil,
        emptyMeansDefault: Bool = false
    ) -> Setting<Value> {
        let allowed = Value.allCases.map(\.rawValue)
        return Setting(
            variable, flag: flag, summary + " (\(allowed.joined(separator: ", ")))", programs: programs,
            default: defaultValue, shown: defaultValue?.rawValue,
            expected: "one of \(allowed.joined(separator: ", "))", emptyMeansDefault: emptyMeansDefault
        ) { text in
            Value(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased())
        }
    }
}
