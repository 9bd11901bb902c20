import FoodCountSettings
import Foundation

/// The browser origins allowed to read the API from another site (CORS): none by default, a list of exact
/// origins, or every origin (`*`, given explicitly). `docs/deployment.md`, "CORS", says why it is off by default.
struct CORSOrigins: Sendable, Equatable {
    /// The allowed origins, lowercased (`https://dash.example.com`); empty when ``allowsAll``.
    let origins: [String]
    /// `*`: every origin.
    let allowsAll: Bool

    /// No origin: no CORS headers at all, the default.
    static let none = CORSOrigins(origins: [], allowsAll: false)

    /// True when neither an origin nor `*` is allowed.
    var isEmpty: Bool { origins.isEmpty && !allowsAll }

    /// Whether a request's `Origin` header is allowed.
    func allows(_ origin: String?) -> Bool {
        guard let origin, origin != "null" else { return false }
        return allowsAll || origins.contains(origin)
    }

    /// The flags `--cors-origin` if any are given, else `CORS_ORIGINS` (comma-separated), else ``none``.
    /// - Throws: ``SettingError`` naming the flag or the variable and the first value that is not an origin.
    static func resolve(flags: [String], settings: Settings) throws(SettingError) -> CORSOrigins {
        if !flags.isEmpty { return try parse(flags, named: "--cors-origin") }
        guard let text = settings.string("CORS_ORIGINS"), !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            return .none
        }
        return try parse(
            text.split(separator: ",", omittingEmptySubsequences: false).map(String.init), named: "CORS_ORIGINS")
    }

    /// What an allowed origin is, for errors.
    static let expected =
        "a comma-separated list of origins such as https://dash.example.com (scheme://host[:port], no path), or *"

    /// Parses origins, each `scheme://host[:port]`, or `*` alone.
    /// - Parameters:
    ///   - values: The origins, one per element (spaces around them are ignored).
    ///   - setting: The flag or variable, for errors.
    static func parse(_ values: [String], named setting: String) throws(SettingError) -> CORSOrigins {
        let trimmed = values.map { $0.trimmingCharacters(in: .whitespaces) }
        if trimmed.contains("*") {
            guard trimmed.count == 1 else {
                throw SettingError(
                    variable: setting, value: values.joined(separator: ","), expected: "* alone, or \(expected)")
            }
            return CORSOrigins(origins: [], allowsAll: true)
        }
        var origins: [String] = []
        for (value, origin) in zip(values, trimmed) {
            guard isOrigin(origin) else { throw SettingError(variable: setting, value: value, expected: expected) }
            let lowered = origin.lowercased()
            if !origins.contains(lowered) { origins.append(lowered) }
        }
        return CORSOrigins(origins: origins, allowsAll: false)
    }

    /// `scheme://host[:port]` as a browser serializes an origin: no user, path, query or fragment, not even `/`.
    static func isOrigin(_ text: String) -> Bool {
        guard
            let match = text.wholeMatch(
                of: /([A-Za-z][A-Za-z0-9+.\-]*):\/\/([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/)
        else { return false }
        if let port = match.3 { return Int(port.dropFirst()).map { (1...65_535).contains($0) } ?? false }
        return true
    }
}
