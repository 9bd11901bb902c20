import Foundation

/// Remembers the events of recently seen message values, so that a repeated value is not decoded again.
///
/// Food events repeat: a stream of millions of events holds a few hundred distinct values. Decoding is a
/// pure function of the bytes for a deterministic decoder (``EventDecoder/isDeterministic``), so a
/// byte-for-byte equal value has the same event. Only valid events are kept, and only short values. The
/// table is fixed in size (about 140 KiB, taken at the first insertion) and is cleared when half full. Not
/// thread-safe: the pipeline owns one. See docs/benchmarks.md for what it saves.
struct DecodedValueCache {
    /// The longest value kept.
    static let maxValueBytes = 64
    private var hashes: [UInt64] = []  // 0: empty slot; empty until the first insertion
    private var lengths: [Int] = []
    private var values: [UInt8] = []
    private var events: [FoodEvent?] = []
    private var count = 0

    /// How many slots the table has; slots are `0..<capacity`.
    static let capacity = 2_048  // a power of two
    private static let mask = capacity - 1

    /// What a lookup found: the slot of a value seen before, or where a new one goes.
    enum Lookup {
        /// The value is in this slot. Slots stay valid until an insertion clears a full table.
        case hit(slot: Int)
        /// The value is not in the table; insert its event with ``insert(_:for:at:)``.
        case miss(Miss)
    }

    /// Where a value that is not in the table goes: valid for one insertion, until the table changes.
    struct Miss {
        fileprivate let hash: UInt64
        /// The empty slot, or `nil` for a value not kept (too long).
        fileprivate let slot: Int?
    }

    /// Looks a value up, hashing it once.
    func lookup(_ value: UnsafeRawBufferPointer) -> Lookup {
        let hash = Self.hash(value)
        guard !hashes.isEmpty else {
            return .miss(
                Miss(
                    hash: hash,
                    slot: value.count <= Self.maxValueBytes ? Int(truncatingIfNeeded: hash) & Self.mask : nil))
        }
        guard let slot = find(value, hash: hash) else { return .miss(Miss(hash: hash, slot: nil)) }
        return hashes[slot] != 0 ? .hit(slot: slot) : .miss(Miss(hash: hash, slot: slot))
    }

    /// The slot of a value seen before, if it is in the table.
    func slot(for value: UnsafeRawBufferPointer) -> Int? {
        guard case .hit(let slot) = lookup(value) else { return nil }
        return slot
    }

    /// The event of the value in a slot returned by ``lookup(_:)``.
    func event(at slot: Int) -> FoodEvent { events[slot]! }

    /// Whether the next insertion of a new value clears the table first, invalidating every slot.
    var isFull: Bool { count == Self.capacity / 2 }

    /// Remembers a value's event.
    mutating func insert(_ event: FoodEvent, for value: UnsafeRawBufferPointer) {
        guard case .miss(let miss) = lookup(value) else { return }
        insert(event, for: value, at: miss)
    }

    /// Remembers the event of a value that ``lookup(_:)`` just missed, without looking it up again. Nothing
    /// may change the table between the two calls.
    mutating func insert(_ event: FoodEvent, for value: UnsafeRawBufferPointer, at miss: Miss) {
        guard var slot = miss.slot else { return }
        if isFull || hashes.isEmpty {
            self = DecodedValueCache()
            hashes = [UInt64](repeating: 0, count: Self.capacity)
            lengths = [Int](repeating: 0, count: Self.capacity)
            values = [UInt8](repeating: 0, count: Self.capacity * Self.maxValueBytes)
            events = [FoodEvent?](repeating: nil, count: Self.capacity)
            slot = Int(truncatingIfNeeded: miss.hash) & Self.mask
        }
        hashes[slot] = miss.hash
        lengths[slot] = value.count
        values.withUnsafeMutableBytes { arena in
            arena.baseAddress!.advanced(by: slot * Self.maxValueBytes).copyMemory(
                from: value.baseAddress!, byteCount: value.count)
        }
        events[slot] = event
        count += 1
    }

    /// The slot holding `value`, or the empty slot where it would go; `nil` for a value not kept.
    private func find(_ value: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        guard let base = value.baseAddress, value.count <= Self.maxValueBytes else { return nil }
        return hashes.withUnsafeBufferPointer { hashes in
            values.withUnsafeBytes { arena in
                var slot = Int(truncatingIfNeeded: hash) & Self.mask
                while hashes[slot] != 0 {
                    if hashes[slot] == hash, lengths[slot] == value.count,
                        memcmp(arena.baseAddress! + slot * Self.maxValueBytes, base, value.count) == 0
                    {
                        return slot
                    }
                    slot = (slot + 1) & Self.mask
                }
                return slot
            }
        }
    }

    /// A fast non-cryptographic hash, never 0. A collision only costs a comparison.
    private static func hash(_ value: UnsafeRawBufferPointer) -> UInt64 {
        var hash = 0x9e37_79b9_7f4a_7c15 ^ UInt64(value.count)
        func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0xff51_afd7_ed55_8ccd
            hash ^= hash >> 32
        }
        if value.count >= 8 {
            var index = 0
            while index + 8 < value.count {
                mix(value.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                index += 8
            }
            mix(value.loadUnaligned(fromByteOffset: value.count - 8, as: UInt64.self))  // the last 8, overlapping
        } else {
            for byte in value { mix(UInt64(byte)) }
        }
        hash ^= hash >> 29
        return hash | 1
    }
}
