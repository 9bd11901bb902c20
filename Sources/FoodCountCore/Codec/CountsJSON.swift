/// Encodes counts as the JSON object `GET /aggregated` answers, with the least work: the exact size first,
/// then bytes written straight into one buffer, in the order of the categories' UTF-8 bytes, then a
/// newline. The output is byte for byte what `JSONEncoder` gives with `.sortedKeys` and
/// `.withoutEscapingSlashes` (the API's encoder) for NFC categories: `"` and `\` escaped, `\b \f \n \r \t`,
/// other control characters as `\u00XX`, everything else (DEL, U+2028, `/`) as it is. `CountsJSONTests`
/// compares the two.
public enum CountsJSON {
    /// The body for sorted counts.
    public static func encode(_ counts: SortedCounts) -> [UInt8] {
        let size = encodedCount(counts)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = encode(counts, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// The body for counts in any order.
    public static func encode(_ counts: [String: Int64]) -> [UInt8] { encode(SortedCounts(counts)) }

    /// How many bytes the body for these counts takes.
    public static func encodedCount(_ counts: SortedCounts) -> Int {
        var size = 3 + max(0, counts.count - 1)  // {, }, the newline, and the commas
        counts.forEach { category, value in size += stringCount(category) + 1 + integerCount(value) }
        return size
    }

    /// Writes the body into `buffer`, which holds at least ``encodedCount(_:)`` bytes.
    /// - Returns: How many bytes were written.
    @discardableResult
    public static func encode(_ counts: SortedCounts, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var at = 0
        func put(_ byte: UInt8) {
            buffer[at] = byte
            at += 1
        }
        put(UInt8(ascii: "{"))
        var first = true
        counts.forEach { category, value in
            if !first { put(UInt8(ascii: ",")) }
            first = false
            put(UInt8(ascii: "\""))
            if !needsEscaping(category) {
                UnsafeMutableRawBufferPointer(rebasing: buffer[at..<(at + category.count)]).copyMemory(
                    from: UnsafeRawBufferPointer(category))
                at += category.count
            } else {
                for byte in category {
                    if let escape = shortEscape(byte) {
                        put(UInt8(ascii: "\\"))
                        put(escape)
                    } else if byte < 0x20 {
                        for character in [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")] {
                            put(character)
                        }
                        put(hex[Int(byte >> 4)])
                        put(hex[Int(byte & 0xF)])
                    } else {
                        put(byte)
                    }
                }
            }
            put(UInt8(ascii: "\""))
            put(UInt8(ascii: ":"))
            if value < 0 { put(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            let digits = integerCount(value) - (value < 0 ? 1 : 0)
            at += digits
            for position in 1...digits {  // the least significant digit last
                buffer[at - position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
        }
        put(UInt8(ascii: "}"))
        put(0x0A)
        return at
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether a category holds a byte JSON escapes: a control character, `"` or `\`. Eight bytes at a time
    /// (the bit tricks of "Bit Twiddling Hacks": a byte below 0x20, or equal to 0x22 or 0x5C), as every
    /// category of a full answer is checked twice (its size, then its bytes).
    private static func needsEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeRawBufferPointer(bytes)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }
        var index = 0
        while index + 8 <= raw.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if (word &- ones &* 0x20) & ~word & highs != 0 || hasZeroByte(word ^ (ones &* 0x22))
                || hasZeroByte(word ^ (ones &* 0x5C))
            {
                return true
            }
            index += 8
        }
        while index < raw.count {
            let byte = raw[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return true }
            index += 1
        }
        return false
    }

    /// The letter after `\` for the bytes JSON escapes with two characters.
    private static func shortEscape(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): byte
        case 0x08: UInt8(ascii: "b")
        case 0x0C: UInt8(ascii: "f")
        case 0x0A: UInt8(ascii: "n")
        case 0x0D: UInt8(ascii: "r")
        case 0x09: UInt8(ascii: "t")
        default: nil
        }
    }

    private static func stringCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard needsEscaping(bytes) else { return bytes.count + 2 }
        return bytes.reduce(2) { $0 + (shortEscape($1) != nil ? 2 : $1 < 0x20 ? 6 : 1) }
    }

    private static func integerCount(_ value: Int64) -> Int {
        var magnitude = value.magnitude
        var digits = 1
        while magnitude >= 10 {
            magnitude /= 10
            digits += 1
        }
        return digits + (value < 0 ? 1 : 0)
    }
}
