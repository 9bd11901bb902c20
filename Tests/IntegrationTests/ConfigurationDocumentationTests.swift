import FoodCountSettings
import Foundation
import TestSupport
import XCTest

/// Every setting is declared once (`SettingCatalog`): README's configuration table and each program's
/// `--help` follow the declarations, and a drift fails here.
final class ConfigurationDocumentationTests: XCTestCase {
    /// A row of README's table: its variables, programs and default cell.
    private struct Row {
        var names: String
        var variables: [String]
        var programs: Set<Program>
        var defaults: String
    }

    private func readmeRows() throws -> [Row] {
        let readme = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let table = try XCTUnwrap(readme.range(of: "| variable | programs | default |"), "README's table")
        return readme[table.upperBound...].split(separator: "\n").dropFirst().prefix { $0.hasPrefix("|") }.map {
            line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let variables = cells[1].matches(of: /`([A-Z][A-Z0-9_]*)`/).map { String($0.output.1) }
            let names = cells[2].split(separator: "(").first.map(String.init) ?? ""
            let programs = Set(
                names.split(separator: ",").compactMap { Program(rawValue: $0.trimmingCharacters(in: .whitespaces)) })
            return Row(names: cells[1], variables: variables, programs: programs, defaults: cells[3])
        }
    }

    func testReadmesConfigurationTableListsEveryDeclaredSettingWithItsProgramsAndDefault() throws {
        let rows = try readmeRows()
        var documented: [String: Row] = [:]
        for row in rows {
            for variable in row.variables {
                XCTAssertNil(documented[variable], "\(variable) is in two rows")
                documented[variable] = row
            }
        }
        let declared = SettingCatalog.all
        XCTAssertEqual(
            Set(documented.keys), Set(declared.map(\.variable)),
            "README's table and SettingCatalog list different variables")
        for setting in declared {
            guard let row = documented[setting.variable] else { continue }
            XCTAssertEqual(row.programs, Set(setting.programs), "the programs of \(setting.variable)")
            if let shown = setting.defaultDescription {
                let expected = shown.contains(" ") ? shown : "`\(shown)`"
                XCTAssertTrue(
                    row.defaults.contains(expected), "README's default of \(setting.variable) is not \(expected)")
            }
            XCTAssertEqual(
                row.names.contains("`\(setting.variable)` (secret)"), setting.isSecret,
                "README marks \(setting.variable) a secret exactly when it is one")
        }
    }

    func testEveryProgramsHelpShowsEachOfItsFlagsWithItsVariable() throws {
        let helps: [Program: [[String]]] = [
            .consumer: [["--help"]], .datafeed: [["--help"]], .api: [["--help"]],
            .foodcount: [["offsets", "show", "--help"], ["audit", "--help"], ["rebuild", "--help"]],
        ]
        for (program, invocations) in helps {
            for arguments in invocations {
                let result = try ChildProcess.run(
                    TestEnvironment.executable(program.rawValue), arguments, environment: [:], timeout: 30)
                // ArgumentParser wraps help lines: compare without the line breaks and the indentation.
                let help = result.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                for setting in SettingCatalog.settings(of: program) {
                    guard let flag = setting.flagName else {
                        XCTAssertFalse(help.contains("--" + setting.variable.lowercased()), "a secret has no flag")
                        continue
                    }
                    XCTAssertTrue(help.contains(flag + " "), "\(program) \(arguments): \(flag)")
                    XCTAssertTrue(
                        help.contains("env \(setting.variable)"), "\(program) \(arguments): env \(setting.variable)")
                }
            }
        }
    }

    func testASecretsValueIsNeverRepeatedInItsError() throws {
        let settings = try Settings(environment: ["KAFKA_PROPERTIES": "sasl.password"])
        XCTAssertThrowsError(try settings.value(SettingCatalog.kafkaProperties)) { error in
            XCTAssertFalse("\(error)".contains("sasl.password"), "\(error)")
        }
        XCTAssertEqual(
            Settings.secretNames,
            ["DATABASE_URL", "KAFKA_SASL_PASSWORD", "KAFKA_SSL_KEY_PASSWORD", "KAFKA_PROPERTIES"])
    }
}
