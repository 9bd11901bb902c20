/// What this build of FoodCount is: the one place its version is written, and the git commit it was built
/// from. Every program's `--version` prints ``description``, and `foodcount_build_info` carries both.
public enum BuildInfo {
    /// The release version, as in `CHANGELOG.md` and the git tag (`CONTRIBUTING.md`, "Cutting a release").
    public static let version = "0.2.0"

    /// The git commit the build came from (12 hex digits, `-dirty` when the checkout had changes), or
    /// `unknown` when it was built outside a git checkout.
    public static let commit = generatedBuildCommit

    /// `0.2.0 (commit 0123456789ab)`: what `--version` prints.
    public static var description: String { "\(version) (commit \(commit))" }
}
