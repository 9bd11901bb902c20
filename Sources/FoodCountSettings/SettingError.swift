/// A setting whose value cannot be used: the program stops with this one line instead of guessing.
public struct SettingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable (or flag) concerned.
    public let variable: String
    /// What it held; `nil` for a secret, which is never repeated.
    public let value: String?
    /// What is allowed, or what went wrong.
    public let expected: String

    /// Creates an error.
    /// - Parameters:
    ///   - variable: The variable or flag.
    ///   - value: Its value, `nil` to keep it out of the message.
    ///   - expected: What is allowed.
    public init(variable: String, value: String?, expected: String) {
        self.variable = variable
        self.value = value
        self.expected = expected
    }

    /// One line: `PORT=80a is not valid: expected an integer from 1 to 65535`.
    public var description: String {
        let shown = value.map { "\(variable)=\($0)" } ?? variable
        return "\(shown) is not valid: expected \(expected)"
    }
}
