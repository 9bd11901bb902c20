import FoodCountCore
import NIOCore
import PostgresNIO

/// The bounded reads the API serves at any number of categories, as the SQLite reader answers them: one
/// category by the primary key, the largest counts by one ordered query. They rely on the stores' rule of
/// one canonical row per category; a full read that meets a row written before that rule merges instead.
/// A bounded read's version is the digest of what it read (`pgq-`), which never equals a version of the
/// whole: its entity tag is its own, and no `304` is ever answered from another answer's tag.
extension PostgresCountReader {
    /// Implements `CountReader.sortedCounts`: the counts and the ledger's version in one statement (one
    /// snapshot), sorted here by the categories' bytes. Without a ledger, the version is their digest.
    ///
    /// The server packs the whole table into three values, read here in one pass: the categories one after
    /// the other in one text, their lengths in bytes, and their counts (two arrays in the same order, as one
    /// scan feeds every aggregate). As 100,000 rows, each went
    /// through postgres-nio's row and cell machinery (reference counting and enum payloads were most of the
    /// api's samples), and the full answer right after a commit was slower than psycopg's
    /// (`docs/benchmarks.md`, "The API at 100,000 categories").
    public func sortedCounts() async throws(StoreError) -> (counts: SortedCounts, version: String?) {
        var version: String?
        var unordered = SortedCounts()
        var canonical = true
        do {
            let connection = try await currentConnection()
            let result = try await connection.query(
                """
                SELECT 1, 'pg-' || events || '-' || xmin::text, NULL::int4[], NULL::int8[]
                FROM foodcount_ledger WHERE id = 1
                UNION ALL SELECT 0, string_agg(category, ''), array_agg(octet_length(category)), array_agg(count)
                FROM food_counts
                """, logger: logger
            ).get()
            for row in result {
                var cells = row.makeIterator()
                guard let kind = cells.next(), let text = cells.next(), let lengths = cells.next(),
                    let counts = cells.next()
                else { throw StoreError(code: .incompatible, message: "unexpected columns reading the counts") }
                if try Self.integer(kind) == 1 {
                    version = text.bytes.map { String(buffer: $0) }
                    continue
                }
                guard let categories = text.bytes else { continue }  // no rows
                try Self.unpack(
                    categories, lengths: Self.integers(lengths), counts: Self.integers(counts), into: &unordered,
                    canonical: &canonical)
            }
        } catch {
            if let failure = failure(error, context: "reading the counts") { throw failure }
            // No ledger (or no counts table): the counts alone, versioned by their digest.
            var counts: [String: Int64] = [:]
            for (category, count) in try await rows("SELECT category, count FROM food_counts") {
                counts[CategoryForm.canonical(category), default: 0] += count
            }
            let sorted = SortedCounts(counts)
            return (sorted, Self.digest(of: sorted))
        }
        guard canonical else {  // a row written before the category rule: merged here
            let merged = SortedCounts(SortedCounts(sorting: unordered).merged())
            return (merged, version ?? Self.digest(of: merged))
        }
        let sorted = SortedCounts(sorting: unordered)
        return (sorted, version ?? Self.digest(of: sorted))
    }

    /// Implements `CountReader.versionedCounts(of:)`: primary-key lookups, with the version of what was read.
    public func versionedCounts(of categories: [String]) async throws(StoreError) -> (
        counts: [String: Int64], version: String?
    ) {
        let rows = try await rows("SELECT category, count FROM food_counts WHERE category = ANY(\(categories))")
        return Self.partial(rows)
    }

    /// Implements `CountReader.largestCounts`: one ordered query with a limit, with the version of what was read.
    public func largestCounts(_ limit: Int) async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        let rows = try await rows(
            #"SELECT category, count FROM food_counts ORDER BY count DESC, category COLLATE "C" LIMIT \#(max(0, limit))"#
        )
        return Self.partial(rows)
    }

    /// An integer cell, in the binary format the server answers with, or in text.
    /// Appends the rows packed by ``sortedCounts()``'s statement; `canonical` becomes `false` at a category
    /// that is not in the form the stores write.
    static func unpack(
        _ categories: ByteBuffer, lengths: [Int64], counts: [Int64], into sorted: inout SortedCounts,
        canonical: inout Bool
    ) throws(StoreError) {
        guard lengths.count == counts.count, lengths.reduce(0, +) == categories.readableBytes else {
            throw StoreError(code: .incompatible, message: "the counts' columns disagree reading the counts")
        }
        categories.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            for (length, count) in zip(lengths, counts) {
                let category = UnsafeBufferPointer(rebasing: bytes[start..<(start + Int(length))])
                if category.contains(where: { $0 >= 0x80 }) {
                    canonical = canonical && CategoryForm.isCanonical(String(decoding: category, as: UTF8.self))
                }
                sorted.append(bytes: category, count)
                start += Int(length)
            }
        }
    }

    /// The elements of a one-dimensional `int4[]` or `int8[]` without nulls, in PostgreSQL's binary array
    /// format (dimensions, flags, element type, size and lower bound, then a length and a value per element).
    static func integers(_ cell: PostgresCell) throws(StoreError) -> [Int64] {
        let malformed = StoreError(code: .incompatible, message: "an unexpected array reading the counts")
        guard var bytes = cell.bytes else { return [] }
        guard cell.format == .binary, let dimensions = bytes.readInteger(as: Int32.self),
            let flags = bytes.readInteger(as: Int32.self), bytes.readInteger(as: UInt32.self) != nil, flags == 0
        else { throw malformed }
        guard dimensions == 1, let size = bytes.readInteger(as: Int32.self), size >= 0,
            bytes.readInteger(as: Int32.self) != nil
        else {
            if dimensions == 0 { return [] }
            throw malformed
        }
        var values: [Int64] = []
        values.reserveCapacity(Int(size))
        for _ in 0..<size {
            switch bytes.readInteger(as: Int32.self) {
            case 4: values.append(Int64(bytes.readInteger(as: Int32.self) ?? 0))
            case 8: values.append(bytes.readInteger(as: Int64.self) ?? 0)
            default: throw malformed
            }
        }
        guard bytes.readableBytes == 0 else { throw malformed }
        return values
    }

    static func integer(_ cell: PostgresCell) throws(StoreError) -> Int64 {
        var bytes = cell.bytes
        let value: Int64? =
            switch (cell.format, cell.dataType) {
            case (.binary, .int8): bytes?.readInteger(as: Int64.self)
            case (.binary, .int4): bytes?.readInteger(as: Int32.self).map(Int64.init)
            case (.binary, .int2): bytes?.readInteger(as: Int16.self).map(Int64.init)
            case (.text, _): bytes.flatMap { Int64(String(buffer: $0)) }
            default: nil
            }
        guard let value else {
            throw StoreError(code: .incompatible, message: "unexpected column type \(cell.dataType) reading the counts")
        }
        return value
    }

    /// Counts read by a bounded query, with the digest of what was read as their version.
    static func partial(_ rows: [(String, Int64)]) -> (counts: [String: Int64], version: String?) {
        let counts = Dictionary(rows, uniquingKeysWith: +)
        return (counts, "pgq-" + digest(of: counts).dropFirst(3))
    }

    /// Implements `CountReader.checkReadable`: the server answers one row of the table.
    public func checkReadable() async throws(StoreError) {
        _ = try await rows("SELECT category, count FROM food_counts LIMIT 1")
    }
}
