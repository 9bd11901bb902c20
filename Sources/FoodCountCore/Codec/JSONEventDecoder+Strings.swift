extension JSONEventDecoder {
    /// Whether the unescaped contents of a validated string equal `field`, byte for byte.
    ///
    /// Compares without allocating; escapes are decoded on the fly.
    static func string(
        _ key: StringToken,
        in base: UnsafeRawPointer,
        equals field: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        if !key.hasEscapes {
            guard key.end &- key.start == field.count else { return false }
            var index = 0
            while index < field.count {
                guard base.load(fromByteOffset: key.start &+ index, as: UInt8.self) == field[index] else {
                    return false
                }
                index &+= 1
            }
            return true
        }
        var matched = 0
        var offset = key.start
        while offset < key.end {
            let b = base.load(fromByteOffset: offset, as: UInt8.self)
            if b != UInt8(ascii: "\\") {
                guard matched < field.count, field[matched] == b else { return false }
                matched &+= 1
                offset &+= 1
                continue
            }
            let (scalar, next) = decodeEscape(in: base, at: offset, limit: key.end)
            offset = next
            let (packed, length) = encodeUTF8(scalar)
            guard length <= field.count &- matched else { return false }
            for index in 0..<length {
                guard field[matched &+ index] == UInt8(truncatingIfNeeded: packed &>> (index &* 8)) else {
                    return false
                }
            }
            matched &+= length
        }
        return matched == field.count
    }

    /// Writes the unescaped UTF-8 contents of a validated string into `buffer` and returns the number of bytes
    /// written.
    ///
    /// Unescaping never lengthens a string, so a buffer of `token.end - token.start` bytes is always large enough;
    /// output that would not fit is dropped rather than written out of bounds.
    static func unescape(
        _ token: StringToken,
        in base: UnsafeRawPointer,
        into buffer: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        var written = 0
        var offset = token.start
        while offset < token.end {
            let b = base.load(fromByteOffset: offset, as: UInt8.self)
            if b != UInt8(ascii: "\\") {
                guard written < buffer.count else { return written }
                buffer[written] = b
                written &+= 1
                offset &+= 1
                continue
            }
            let (scalar, next) = decodeEscape(in: base, at: offset, limit: token.end)
            offset = next
            let (packed, length) = encodeUTF8(scalar)
            guard length <= buffer.count &- written else { return written }
            for index in 0..<length {
                buffer[written &+ index] = UInt8(truncatingIfNeeded: packed &>> (index &* 8))
            }
            written &+= length
        }
        return written
    }

    /// Decodes the escape sequence whose backslash is at `offset` in an already validated string.
    ///
    /// - Returns: The Unicode scalar value (a surrogate pair yields one supplementary scalar) and the offset just past
    ///   the sequence. Malformed input, which validation rules out, yields U+FFFD instead of trapping.
    static func decodeEscape(in base: UnsafeRawPointer, at offset: Int, limit: Int) -> (scalar: UInt32, next: Int) {
        guard offset &+ 1 < limit else { return (0xFFFD, limit) }
        switch base.load(fromByteOffset: offset &+ 1, as: UInt8.self) {
        case UInt8(ascii: "\""): return (0x22, offset &+ 2)
        case UInt8(ascii: "\\"): return (0x5C, offset &+ 2)
        case UInt8(ascii: "/"): return (0x2F, offset &+ 2)
        case UInt8(ascii: "b"): return (0x08, offset &+ 2)
        case UInt8(ascii: "f"): return (0x0C, offset &+ 2)
        case UInt8(ascii: "n"): return (0x0A, offset &+ 2)
        case UInt8(ascii: "r"): return (0x0D, offset &+ 2)
        case UInt8(ascii: "t"): return (0x09, offset &+ 2)
        case UInt8(ascii: "u"):
            guard let unit = hex4Value(in: base, at: offset &+ 2, limit: limit) else { return (0xFFFD, limit) }
            let next = offset &+ 6
            guard unit & 0xF800 == 0xD800 else { return (unit, next) }
            guard unit & 0xFC00 == 0xD800, next &+ 1 < limit,
                base.load(fromByteOffset: next, as: UInt8.self) == UInt8(ascii: "\\"),
                base.load(fromByteOffset: next &+ 1, as: UInt8.self) == UInt8(ascii: "u"),
                let low = hex4Value(in: base, at: next &+ 2, limit: limit), low & 0xFC00 == 0xDC00
            else { return (0xFFFD, next) }
            return (0x1_0000 &+ ((unit &- 0xD800) &<< 10) &+ (low &- 0xDC00), next &+ 6)
        default:
            return (0xFFFD, offset &+ 2)
        }
    }

    /// Reads four hexadecimal digits at `offset`, or returns `nil` if they are not all there.
    private static func hex4Value(in base: UnsafeRawPointer, at offset: Int, limit: Int) -> UInt32? {
        guard offset &+ 4 <= limit else { return nil }
        var value: UInt32 = 0
        for index in offset..<(offset &+ 4) {
            let digit = hexDigitValue(base.load(fromByteOffset: index, as: UInt8.self))
            guard digit < 16 else { return nil }
            value = value &<< 4 | digit
        }
        return value
    }

    /// The value of an ASCII hexadecimal digit, or a value of 16 or more for any other byte.
    @inline(__always)
    static func hexDigitValue(_ b: UInt8) -> UInt32 {
        let decimal = b &- UInt8(ascii: "0")
        if decimal < 10 { return UInt32(decimal) }
        let letter = (b | 0x20) &- UInt8(ascii: "a")
        return letter < 6 ? UInt32(letter) &+ 10 : 0xFF
    }

    /// Encodes a scalar value as UTF-8, packed little-endian into a `UInt32` (first byte in the low bits).
    ///
    /// Surrogates and values above U+10FFFF, which validation rules out, are encoded as U+FFFD.
    @inline(__always)
    static func encodeUTF8(_ value: UInt32) -> (packed: UInt32, count: Int) {
        switch value {
        case 0..<0x80:
            return (value, 1)
        case 0x80..<0x800:
            return ((0xC0 | value &>> 6) | (0x80 | value & 0x3F) &<< 8, 2)
        case 0x800..<0xD800, 0xE000..<0x1_0000:
            let first = 0xE0 | value &>> 12
            let second = 0x80 | (value &>> 6) & 0x3F
            let third = 0x80 | value & 0x3F
            return (first | second &<< 8 | third &<< 16, 3)
        case 0x1_0000...0x10_FFFF:
            let first = 0xF0 | value &>> 18
            let second = 0x80 | (value &>> 12) & 0x3F
            let third = 0x80 | (value &>> 6) & 0x3F
            let fourth = 0x80 | value & 0x3F
            return (first | second &<< 8 | third &<< 16 | fourth &<< 24, 4)
        default:
            return encodeUTF8(0xFFFD)
        }
    }
}
