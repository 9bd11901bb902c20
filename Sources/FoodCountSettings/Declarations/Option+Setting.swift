import ArgumentParser

extension Option where Value == String? {
    /// A flag declared by `setting`: its name and help come from the declaration; its text is parsed by
    /// ``Settings/value(_:flag:)``, so that a flag and its variable allow the same values.
    public init(_ setting: some DeclaredSetting) {
        self.init(name: .customLong(setting.flag ?? setting.variable.lowercased()), help: setting.help)
    }
}

extension Option where Value == [String] {
    /// A repeatable flag declared by `setting`.
    public init(repeating setting: some DeclaredSetting) {
        self.init(
            wrappedValue: [], name: .customLong(setting.flag ?? setting.variable.lowercased()), help: setting.help)
    }
}

extension Flag where Value == Bool {
    /// A switch declared by `setting` (its variable takes true or false).
    public init(_ setting: some DeclaredSetting) {
        self.init(
            wrappedValue: false, name: .customLong(setting.flag ?? setting.variable.lowercased()), help: setting.help)
    }
}
