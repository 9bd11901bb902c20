import Foundation
import PackagePlugin

/// Writes `GeneratedBuildInfo.swift`, the git commit the build comes from, before every build of its
/// target: `<12 hex digits>` of `git rev-parse`, with `-dirty` when tracked files differ from it; outside a
/// git checkout (a source archive, the image's build context), the `FOODCOUNT_COMMIT` environment variable,
/// else `unknown`. The file is rewritten only when its text changes, so that an unchanged commit recompiles
/// nothing. `BuildInfo` (FoodCountObservability) is where the version and this commit meet.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedBuildInfo.swift")
        let script = """
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null) || commit="${FOODCOUNT_COMMIT:-unknown}"
            changes=$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null)
            if [ "$commit" != unknown ] && [ -n "$changes" ]; then commit="$commit-dirty"; fi
            text="/// The git commit of this build (BuildInfoPlugin).
            let generatedBuildCommit = \\"$commit\\""
            [ "$(cat "$2" 2>/dev/null)" = "$text" ] || printf '%s\\n' "$text" >"$2"
            """
        return [
            .prebuildCommand(
                displayName: "Recording the git commit of the build",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "build-info", context.package.directoryURL.path, output.path],
                environment: ["FOODCOUNT_COMMIT": ProcessInfo.processInfo.environment["FOODCOUNT_COMMIT"] ?? ""],
                outputFilesDirectory: context.pluginWorkDirectoryURL)
        ]
    }
}
