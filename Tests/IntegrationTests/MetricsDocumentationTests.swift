import FoodCountCore
import Foundation
import TestSupport
import XCTest

/// `docs/observability.md` lists exactly the metrics the catalog declares (`MetricDefinition.all`), each
/// with its kind and labels, so that a metric added, renamed or relabelled without the docs fails here.
final class MetricsDocumentationTests: XCTestCase {
    /// The rows of the metrics table: the backticked names of the first cell, and the other cells.
    private func rows() throws -> [(names: [String], cells: [String])] {
        let text = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/observability.md"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> ([String], [String])? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 5, cells[0].isEmpty else { return nil }
            let names = cells[1].matches(of: /`([a-z_]+)`/).map { String($0.1) }
            guard names.contains(where: { $0.hasSuffix("_total") || $0.contains("_") && $0 != $0.uppercased() })
            else { return nil }
            return (names, Array(cells[2...]))
        }
    }

    func testTheDocumentedMetricsAreTheCatalogsWithTheirKindsAndLabels() throws {
        let rows = try rows().filter { row in
            row.names.contains { name in MetricDefinition.all.contains { $0.name == name } }
        }
        let documented = Set(rows.flatMap(\.names))
        for metric in MetricDefinition.all {
            XCTAssertTrue(documented.contains(metric.name), "\(metric.name) is missing from docs/observability.md")
            guard let row = rows.first(where: { $0.names == [metric.name] }) else { continue }
            if !row.cells[0].isEmpty {
                XCTAssertEqual(row.cells[0], metric.kind.rawValue, "the kind of \(metric.name)")
            }
            // `a, b` names two labels; `a = x, y` one label and its values.
            let cell = row.cells[1]
            let labels =
                cell.contains("=")
                ? [String(cell.split(separator: "=")[0]).trimmingCharacters(in: .whitespaces)]
                : cell.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(labels.filter { !$0.isEmpty }, metric.labels, "the labels of \(metric.name)")
        }
        let catalog = Set(MetricDefinition.all.map(\.name))
        for name in documented where name.hasPrefix("foodcount_") || name.hasPrefix("hb_") || name.hasPrefix("http_") {
            XCTAssertTrue(catalog.contains(name), "docs/observability.md lists \(name), which the catalog lacks")
        }
    }
}
