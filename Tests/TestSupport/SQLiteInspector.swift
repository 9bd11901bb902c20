import Foundation

/// Reads a FoodCount database with the `sqlite3` command-line shell: a reader independent of our store.
public enum SQLiteInspector {
    /// Runs SQL and returns the output lines (`|`-separated columns).
    public static func query(_ database: String, _ sql: String) throws -> [String] {
        let result = try ChildProcess.run("/usr/bin/sqlite3", ["-cmd", ".timeout 10000", database, sql], timeout: 60)
        guard result.status == 0 else { throw TestFailure("sqlite3 \(database) '\(sql)' failed: \(result.output)") }
        return result.output.split(separator: "\n").map(String.init)
    }

    /// The counts table as a dictionary.
    public static func counts(_ database: String) throws -> [String: Int] {
        guard FileManager.default.fileExists(atPath: database) else { return [:] }
        var counts: [String: Int] = [:]
        for line in try query(database, "SELECT category, count FROM food_counts") {
            let parts = line.split(separator: "|", maxSplits: 1)
            if parts.count == 2, let count = Int(parts[1]) { counts[String(parts[0])] = count }
        }
        return counts
    }

    /// The sum of all counts.
    public static func total(_ database: String) throws -> Int {
        try counts(database).values.reduce(0, +)
    }

    /// The sum of the stored next offsets of a group: how many records it has processed in all.
    public static func processed(consumerDatabase: String, group: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: consumerDatabase) else { return 0 }
        let lines = try query(
            consumerDatabase,
            "SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets WHERE consumer_group = '\(group)'")
        return Int(lines.first ?? "0") ?? 0
    }
}
