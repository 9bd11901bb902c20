import FoodCountCore
import PostgresStore

/// Which database a program counts into or reads from: a SQLite file (the default, and the contract's), or a
/// PostgreSQL database that many hosts share.
///
/// `--database`, `DATABASE_URL` and `DATABASE_PATH` each take a file path or a `postgres://` URL; the flag
/// wins, and setting both variables is an error. `DATABASE_URL` is a secret (it may hold a password): it may
/// come from a file (`DATABASE_URL_FILE`), and no message repeats it.
public enum DatabaseSetting: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database.
    case postgres(PostgresLocation)

    /// The path or the URL without its password: for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let location): location.description
        }
    }

    /// Reads a path or a URL.
    /// - Parameters:
    ///   - value: The text.
    ///   - variable: The flag or variable it came from, for the error.
    ///   - secret: Whether the text may not be repeated in an error.
    public static func parse(_ value: String, named variable: String, secret: Bool = false) throws(SettingError)
        -> DatabaseSetting
    {
        if PostgresLocation.isPostgresURL(value) {
            do {
                return .postgres(try PostgresLocation(url: value))
            } catch {
                throw SettingError(
                    variable: variable, value: secret ? nil : value,
                    expected: "\(PostgresLocation.urlForm) (\(error.message))")
            }
        }
        guard !value.contains("://") else {
            throw SettingError(
                variable: variable, value: secret ? nil : value,
                expected: "a SQLite file path or a \(PostgresLocation.urlForm) URL")
        }
        return .sqlite(path: value)
    }
}

extension DatabaseSetting {
    /// The warning to log when `--database` was given a URL with a password: the flag shows in `ps` and in
    /// shell histories, so the password belongs in `DATABASE_URL_FILE`. Logs show the URL without it
    /// (``description``). `nil` when there is nothing to warn about.
    /// - Parameter flag: The `--database` flag's text, if given.
    public static func passwordWarning(flag: String?) -> String? {
        guard let flag, case .postgres(let location)? = try? parse(flag, named: "--database"),
            location.password != nil
        else { return nil }
        return
            "--database holds a password, which any user of this host can read in the process list; give the URL in DATABASE_URL_FILE (a file only the program reads) instead"
    }
}

extension Settings {
    /// The database: the flag, else `DATABASE_URL`, else `DATABASE_PATH`, else a SQLite file at `fallback`.
    /// - Parameters:
    ///   - flag: The `--database` flag's value, if given.
    ///   - fallback: The default SQLite path.
    /// - Throws: ``SettingError`` for an empty value, a URL that cannot be used, or both variables set.
    public func database(flag: String?, default fallback: String) throws(SettingError) -> DatabaseSetting {
        if let flag { return try DatabaseSetting.parse(flag, named: "--database") }
        let url = try nonEmpty("DATABASE_URL", expected: "a postgres:// URL or a SQLite file path")
        let path = try nonEmpty("DATABASE_PATH", expected: "a file path")
        switch (url, path) {
        case (.some, .some):
            throw SettingError(
                variable: "DATABASE_URL", value: nil, expected: "either DATABASE_URL or DATABASE_PATH, not both")
        case (.some(let url), nil): return try DatabaseSetting.parse(url, named: "DATABASE_URL", secret: true)
        case (nil, .some(let path)): return try DatabaseSetting.parse(path, named: "DATABASE_PATH")
        case (nil, nil): return .sqlite(path: fallback)
        }
    }
}
