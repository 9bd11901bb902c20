import FoodCountObservability

extension HealthProbe {
    /// The probe of the `probe` subcommands (`consumer probe`, `api probe`): 127.0.0.1, the given port, a path that
    /// begins with `/`, and a timeout from 1 ms to 10 minutes.
    /// - Throws: ``SettingError`` naming `--path` or `--timeout-ms` when it is not allowed.
    public static func resolved(port: Int, path: String, timeoutMilliseconds: Int) throws(SettingError) -> HealthProbe {
        guard path.hasPrefix("/"), !path.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw SettingError(variable: "--path", value: path, expected: "a path beginning with /, without spaces")
        }
        let milliseconds = try Settings.int(String(timeoutMilliseconds), named: "--timeout-ms", in: 1...600_000)
        return HealthProbe(host: "127.0.0.1", port: port, path: path, timeout: .milliseconds(milliseconds))
    }
}
