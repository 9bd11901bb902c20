import Foundation

/// Reads a FoodCount database with the `sqlite3` command-line shell: a reader independent of our store.
public enum SQLiteInspector {
    /// Runs SQL and returns the output lines (`|`-separated columns).
    public static func query(_ database: String, _ sql: String) throws -> [String] {
        let result = try ChildProcess.run("/usr/bin/sqlite3", ["-cmd", ".timeout 10000", database, sql], timeout: 60)
        guard result.status == 0 else { throw TestFailure("sqlite3 \(database) '\(sql)' failed: \(result.output)") }
        return result.output.split(separator: "\n").map(String.init)
    }

    /// Whether a database file holds nothing yet: missing, or created empty by a connection that has not
    /// committed its schema (a reader waits for that commit, so a non-empty file has its tables).
    public static func isEmpty(_ database: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: database) else { return true }
        let attributes = try FileManager.default.attributesOfItem(atPath: database)
        return (attributes[.size] as? NSNumber)?.intValue == 0
    }

    /// The counts table as a dictionary; empty while the database is missing or empty.
    public static func counts(_ database: String) throws -> [String: Int] {
        guard try !isEmpty(database) else { return [:] }
        var counts: [String: Int] = [:]
        for line in try query(database, "SELECT category, count FROM food_counts") {
            let parts = line.split(separator: "|", maxSplits: 1)
            if parts.count == 2, let count = Int(parts[1]) { counts[String(parts[0])] = count }
        }
        return counts
    }

    /// The counts table keyed by the categories' exact UTF-8 bytes (SQLite compares text by bytes; Swift's
    /// `String` equality is canonical equivalence and would merge rows).
    public static func countsByBytes(_ database: String) throws -> [[UInt8]: Int] {
        guard try !isEmpty(database) else { return [:] }
        var counts: [[UInt8]: Int] = [:]
        for line in try query(database, "SELECT hex(category), count FROM food_counts") {
            let parts = line.split(separator: "|")
            guard parts.count == 2, let bytes = bytes(hex: parts[0]), let count = Int(parts[1]) else {
                throw TestFailure("unexpected sqlite3 output for the counts of \(database): \(line)")
            }
            counts[bytes] = count
        }
        return counts
    }

    /// Bytes from upper- or lower-case hexadecimal digits.
    public static func bytes(hex: some StringProtocol) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }

    /// The sum of all counts.
    public static func total(_ database: String) throws -> Int {
        try counts(database).values.reduce(0, +)
    }

    /// The sum of the stored next offsets of a group: how many records it has processed in all; 0 while the
    /// offsets file is missing or empty. Any other failure throws.
    public static func processed(consumerDatabase: String, group: String) throws -> Int {
        guard try !isEmpty(consumerDatabase) else { return 0 }
        let lines = try query(
            consumerDatabase,
            "SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets WHERE consumer_group = '\(group)'")
        guard lines.count == 1, let processed = Int(lines[0]) else {
            throw TestFailure("unexpected sqlite3 output for the stored offsets of \(group): \(lines)")
        }
        return processed
    }

    /// The stored next offset of each partition of a group and topic.
    public static func storedOffsets(consumerDatabase: String, group: String, topic: String) throws -> [Int: Int] {
        guard try !isEmpty(consumerDatabase) else { return [:] }
        var offsets: [Int: Int] = [:]
        let sql = """
            SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = '\(group)' AND topic = '\(topic)'
            """
        for line in try query(consumerDatabase, sql) {
            let parts = line.split(separator: "|")
            guard parts.count == 2, let partition = Int(parts[0]), let offset = Int(parts[1]) else {
                throw TestFailure("unexpected sqlite3 output for the stored offsets of \(group): \(line)")
            }
            offsets[partition] = offset
        }
        return offsets
    }
}
