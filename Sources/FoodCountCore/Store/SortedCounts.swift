import Foundation

/// Counts in the order of their categories' UTF-8 bytes, kept compact: every category's bytes in one
/// buffer, so that 100,000 categories are a few allocations, not 100,000 strings. What `GET /aggregated`
/// encodes (``CountsJSON``).
public struct SortedCounts: Sendable {
    /// Every category's UTF-8 bytes, one after another, in the order they were added.
    private var bytes: [UInt8] = []
    /// Where each added category's bytes end in ``bytes``.
    private var ends: [Int32] = []
    /// Each added category's count.
    private var values: [Int64] = []
    /// The added categories' indexes in sorted order, when they were added in another one.
    private var order: [Int32]?

    /// No counts.
    public init() {}

    /// The counts of a dictionary, sorted.
    public init(_ counts: [String: Int64]) {
        var unordered = SortedCounts()
        for (category, count) in counts { unordered.append(category.utf8, count) }
        self.init(sorting: unordered)
    }

    /// Counts added in any order (one per category), put in order: what a table scan gives, sorted here
    /// rather than read through the primary key's index (a lookup of the row per category: several times
    /// slower at 100,000). Sorts by the 8 bytes after the prefix every category shares, and compares whole
    /// categories only where those are equal.
    /// - Parameter unordered: Counts added in any order, one per category.
    public init(sorting unordered: SortedCounts) {
        self = unordered
        self.order = nil
        let count = unordered.count
        let sorted: [Int32]? = bytes.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress, count > 1 else { return nil }
            let ends = self.ends
            func start(_ index: Int) -> Int { index == 0 ? 0 : Int(ends[index - 1]) }
            func end(_ index: Int) -> Int { Int(ends[index]) }
            func precedes(_ left: Int, _ right: Int) -> Bool {
                let a = start(left)
                let b = start(right)
                let lengthA = end(left) - a
                let lengthB = end(right) - b
                let common = min(lengthA, lengthB)
                let order = common == 0 ? 0 : memcmp(base + a, base + b, common)
                return order != 0 ? order < 0 : lengthA < lengthB
            }
            if (1..<count).allSatisfy({ precedes($0 - 1, $0) }) { return nil }  // added in order already
            var shared = end(0)
            for index in 1..<count where shared > 0 {
                let a = start(index)
                let length = min(shared, end(index) - a)
                var same = 0
                while same < length, base[same] == base[a + same] { same += 1 }
                shared = same
            }
            var keyed: [(key: UInt64, index: Int32)] = []
            keyed.reserveCapacity(count)
            for index in 0..<count {
                var key: UInt64 = 0
                let first = start(index) + shared
                for offset in 0..<8 {
                    key <<= 8
                    if first + offset < end(index) { key |= UInt64(base[first + offset]) }
                }
                keyed.append((key, Int32(index)))
            }
            keyed = Self.radixSorted(keyed)
            var run = 0  // categories whose 8 bytes are equal: ordered by their whole bytes
            for index in 1...count where index == count || keyed[index].key != keyed[run].key {
                if index - run > 1 { keyed[run..<index].sort { precedes(Int($0.index), Int($1.index)) } }
                run = index
            }
            return keyed.map(\.index)
        }
        order = sorted
    }

    /// Sorts by key, a byte at a time from the least significant (LSD radix sort), stably; bytes every key
    /// shares are skipped.
    private static func radixSorted(_ input: [(key: UInt64, index: Int32)]) -> [(key: UInt64, index: Int32)] {
        var items = input
        var scratch = input
        for shift in stride(from: 0, to: 64, by: 8) {
            var counts = [Int](repeating: 0, count: 257)
            for item in items { counts[Int((item.key >> UInt64(shift)) & 0xFF) + 1] += 1 }
            if counts.contains(items.count) { continue }  // every key has the same byte here
            for digit in 1..<257 { counts[digit] += counts[digit - 1] }
            for item in items {
                let digit = Int((item.key >> UInt64(shift)) & 0xFF)
                scratch[counts[digit]] = item
                counts[digit] += 1
            }
            swap(&items, &scratch)
        }
        return items
    }

    /// Lends each category's bytes and count, in order; the bytes are valid only during the call.
    public func forEach(_ body: (UnsafeBufferPointer<UInt8>, Int64) -> Void) {
        bytes.withUnsafeBufferPointer { bytes in
            for index in 0..<count {
                let added = order.map { Int($0[index]) } ?? index
                let start = added == 0 ? 0 : Int(ends[added - 1])
                body(UnsafeBufferPointer(rebasing: bytes[start..<Int(ends[added])]), values[added])
            }
        }
    }

    /// How many categories.
    public var count: Int { values.count }

    /// Adds a category (in order, unless the counts are then sorted with ``init(sorting:)``).
    /// - Parameters:
    ///   - category: Its UTF-8 bytes.
    ///   - value: Its count.
    public mutating func append(_ category: some Collection<UInt8>, _ value: Int64) {
        precondition(order == nil, "append to sorted counts")
        precondition(bytes.count + category.count <= Int32.max, "counts of more than 2 GiB of categories")
        bytes.append(contentsOf: category)
        ends.append(Int32(bytes.count))
        values.append(value)
    }

    /// Adds a category lent as bytes (a database row's), without a generic call per row.
    /// - Parameters:
    ///   - category: Its UTF-8 bytes.
    ///   - value: Its count.
    public mutating func append(bytes category: UnsafeBufferPointer<UInt8>, _ value: Int64) {
        append(category, value)
    }

    /// The bytes of the `index`th category in order.
    public func category(at index: Int) -> ArraySlice<UInt8> {
        let added = order.map { Int($0[index]) } ?? index
        return bytes[(added == 0 ? 0 : Int(ends[added - 1]))..<Int(ends[added])]
    }

    /// The count of the `index`th category in order.
    public func value(at index: Int) -> Int64 { values[order.map { Int($0[index]) } ?? index] }

    /// How many bytes the categories take.
    public var byteCount: Int { bytes.count }

    /// The counts as a dictionary, with the counts of canonically equal categories (``CategoryForm``) summed
    /// under the canonical one.
    public func merged() -> [String: Int64] {
        var counts: [String: Int64] = [:]
        forEach { category, value in
            counts[CategoryForm.canonical(String(decoding: category, as: UTF8.self)), default: 0] += value
        }
        return counts
    }

    /// The counts as a dictionary.
    public var dictionary: [String: Int64] {
        var counts: [String: Int64] = [:]
        counts.reserveCapacity(count)
        for index in 0..<count { counts[String(decoding: category(at: index), as: UTF8.self)] = value(at: index) }
        return counts
    }

    /// The `limit` largest counts of a dictionary, ties broken by category.
    public static func largest(_ counts: [String: Int64], limit: Int) -> [String: Int64] {
        guard counts.count > limit else { return counts }
        let kept = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(max(0, limit))
        return Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
    }
}

extension SortedCounts: Equatable {
    /// Equal when they hold the same categories, in order, with the same counts.
    public static func == (left: SortedCounts, right: SortedCounts) -> Bool {
        left.count == right.count
            && (0..<left.count).allSatisfy {
                left.value(at: $0) == right.value(at: $0) && left.category(at: $0).elementsEqual(right.category(at: $0))
            }
    }
}
