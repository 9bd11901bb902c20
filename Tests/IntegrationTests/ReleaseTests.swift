import Foundation
import TestSupport
import XCTest

/// A release is named in one place (`BuildInfo.version`) and said the same everywhere: every program's
/// `--version`, the changelog's latest release, the README's SwiftPM snippet. The README's parts are the
/// package's products, and the counts in the README and CONTRIBUTING are theirs (`CONTRIBUTING.md`, "Cutting
/// a release").
final class ReleaseTests: XCTestCase {
    private func text(_ path: String) throws -> String {
        try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    /// The version of the changelog's first release heading (`## [X.Y.Z] - date`).
    private func latestRelease() throws -> String {
        let changelog = try text("CHANGELOG.md")
        let match = try XCTUnwrap(changelog.firstMatch(of: /\n## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}\n/))
        return String(match.1)
    }

    /// The names of the package's `.library` and `.executable` products.
    private func products() throws -> (libraries: [String], executables: [String]) {
        let manifest = try text("Package.swift")
        let libraries = manifest.matches(of: /\.library\(name: "([A-Za-z]+)"/).map { String($0.1) }
        let executables = manifest.matches(of: /\.executable\(name: "([A-Za-z]+)"/).map { String($0.1) }
        return (libraries, executables)
    }

    func testEveryProgramPrintsTheLatestReleaseAndTheCommitItWasBuiltFrom() throws {
        let version = try latestRelease()
        let head = try? ChildProcess.run(
            "/usr/bin/git", ["-C", TestEnvironment.packageRoot.path, "rev-parse", "--short=12", "HEAD"],
            environment: ProcessInfo.processInfo.environment, timeout: 30)
        for program in try products().executables {
            let result = try ChildProcess.run(
                TestEnvironment.executable(program), ["--version"], environment: [:], timeout: 30)
            XCTAssertEqual(result.status, 0, "\(program): \(result.output)")
            let line = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let match = line.wholeMatch(of: /(\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)/)
            XCTAssertEqual(match.map { String($0.1) }, version, "\(program) --version: \(line)")
            if let head, head.status == 0, let commit = match?.2 {
                XCTAssertEqual(
                    commit.prefix(12), Substring(head.output.trimmingCharacters(in: .whitespacesAndNewlines)),
                    "\(program) was built from this checkout's commit")
            }
        }
    }

    func testTheReadmesSnippetDependsOnTheLatestReleaseAndNamesEveryLibrary() throws {
        let readme = try text("README.md")
        XCTAssertTrue(readme.contains("from: \"\(try latestRelease())\")"), "the SwiftPM snippet's version")
        for library in try products().libraries {
            XCTAssertTrue(
                readme.contains(".product(name: \"\(library)\", package: \"foodcount\")"), "\(library) in the snippet")
        }
    }

    func testTheReadmesPartsAreThePackagesProductsAndTheCountsAreTheirs() throws {
        let (libraries, executables) = try products()
        let readme = try text("README.md")
        let contributing = try text("CONTRIBUTING.md")
        let parts = readme.components(separatedBy: "## The parts")[1].components(separatedBy: "\n## ")[0]
        for product in libraries + executables {
            XCTAssertTrue(parts.contains("`\(product)`"), "\(product) in the README's parts")
        }
        let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
        let (libraryCount, executableCount) = (words[libraries.count], words[executables.count])
        XCTAssertTrue(readme.contains("the \(libraryCount) libraries"), "README: the \(libraryCount) libraries")
        XCTAssertTrue(contributing.contains("the \(libraryCount) libraries"), "CONTRIBUTING's count of libraries")
        XCTAssertTrue(contributing.contains("the \(executableCount) executables"), "CONTRIBUTING's count of programs")
        for wrong in words.indices where wrong != libraries.count {
            XCTAssertFalse(readme.contains("the \(words[wrong]) libraries"), "README says \(words[wrong]) libraries")
            XCTAssertFalse(contributing.contains("the \(words[wrong]) libraries"))
        }
        for wrong in words.indices where wrong != executables.count {
            XCTAssertFalse(contributing.contains("the \(words[wrong]) executables"))
            XCTAssertFalse(readme.contains("the \(words[wrong]) executables"))
        }
    }
}
