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
            var read = try await Self.readAll(connection, converting: false, logger: logger)
            if !read.utf8 {  // the text came in another encoding: read it again, converted by the server
                read = try await Self.readAll(connection, converting: true, logger: logger)
            }
            (unordered, version, canonical) = (read.counts, read.version, read.canonical)
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
    /// One statement: the ledger's version, and the whole table packed into three values. Unless
    /// `converting`, the categories come as text in the session's encoding and their lengths in the database's:
    /// both UTF-8 in every ordinary setup, which the statement reports (`utf8`), and then nothing is
    /// converted. Otherwise the server converts each category to UTF-8 first (about 12 ms more at 100,000
    /// categories), so that the bytes and their lengths agree in any encoding.
    static func readAll(_ connection: PostgresConnection, converting: Bool, logger: Logger) async throws -> (
        counts: SortedCounts, version: String?, canonical: Bool, utf8: Bool
    ) {
        let category = converting ? "convert_to(category, 'UTF8')" : "category"
        let concatenated = converting ? "string_agg(\(category), ''::bytea)" : "string_agg(category, '')"
        let version = "'pg-' || events || '-' || xmin::text"
        let utf8 = "(current_setting('server_encoding') = 'UTF8' AND current_setting('client_encoding') = 'UTF8')::int"
        let result = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT 1, \(converting ? "convert_to(\(version), 'UTF8')" : version),
                        NULL::int4[], NULL::int8[], \(utf8)
                    FROM foodcount_ledger WHERE id = 1
                    UNION ALL SELECT 0, \(concatenated)\(converting ? "" : "::text"),
                        array_agg(octet_length(\(category))), array_agg(count), \(utf8)
                    FROM food_counts
                    """), logger: logger
        ).get()
        var read = (counts: SortedCounts(), version: String?.none, canonical: true, utf8: true)
        for row in result {
            var cells = row.makeIterator()
            guard let kind = cells.next(), let text = cells.next(), let lengths = cells.next(),
                let counts = cells.next(), let encoding = cells.next()
            else { throw StoreError(code: .incompatible, message: "unexpected columns reading the counts") }
            let isUTF8 = try integer(encoding) == 1
            read.utf8 = read.utf8 && isUTF8
            if try integer(kind) == 1 {
                read.version = text.bytes.map { String(buffer: $0) }
                continue
            }
            // No rows; or text in another encoding than its lengths, which the caller reads again, converted.
            guard let categories = text.bytes, converting || isUTF8 else { continue }
            try unpack(
                categories, lengths: integers(lengths), counts: integers(counts), into: &read.counts,
                canonical: &read.canonical)
        }
        return read
    }

    /// Appends the rows packed by ``sortedCounts()``'s statement; `canonical` becomes `false` at a category
    /// that is not in the form the stores write.
    static func unpack(
        _ categories: ByteBuffer, lengths: [Int64], counts: [Int64], into sorted: inout SortedCounts,
        canonical: inout Bool
    ) throws(StoreError) {
        guard lengths.count == counts.count, lengths.allSatisfy({ $0 >= 0 }),
            lengths.reduce(0, +) == categories.readableBytes
        else {
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
        guard Int(size) <= bytes.readableBytes / 8 else { throw malformed }  // each at least 4 + 4 bytes
        var values: [Int64] = []
        values.reserveCapacity(Int(size))
        for _ in 0..<size {
            let value: Int64? =
                switch bytes.readInteger(as: Int32.self) {
                case 4: bytes.readInteger(as: Int32.self).map(Int64.init)
                case 8: bytes.readInteger(as: Int64.self)
                default: nil
                }
            guard let value else { throw malformed }
            values.append(value)
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
