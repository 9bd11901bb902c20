extension JSONEventDecoder {
    /// Throws ``EventDecodingError/Kind/notUTF8`` unless the bytes are well-formed UTF-8.
    ///
    /// Pure ASCII input, the common case, is recognised eight bytes at a time; full validation per the Unicode
    /// well-formed byte sequence table (no overlong forms, no encoded surrogates, nothing above U+10FFFF, no truncated
    /// sequences) only starts at the first byte of 0x80 or above.
    static func validateUTF8(_ base: UnsafeRawPointer, count: Int) throws(EventDecodingError) {
        var offset = 0
        while offset &+ 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            offset &+= 8
        }
        while offset < count {
            let lead = base.load(fromByteOffset: offset, as: UInt8.self)
            if lead < 0x80 {
                offset &+= 1
                continue
            }
            // Allowed range of the second byte and total sequence length for each lead byte.
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0x80...0xBF:
                throw utf8Error(at: offset, "unexpected continuation byte \(Scanner.hex(lead))")
            case 0xC0, 0xC1:
                throw utf8Error(at: offset, "overlong encoding (lead byte \(Scanner.hex(lead)))")
            case 0xC2...0xDF:
                length = 2
            case 0xE0:
                length = 3
                secondLow = 0xA0
            case 0xED:
                length = 3
                secondHigh = 0x9F
            case 0xE1...0xEF:
                length = 3
            case 0xF0:
                length = 4
                secondLow = 0x90
            case 0xF4:
                length = 4
                secondHigh = 0x8F
            case 0xF1...0xF3:
                length = 4
            default:
                throw utf8Error(at: offset, "invalid lead byte \(Scanner.hex(lead))")
            }
            guard length <= count &- offset else {
                throw utf8Error(at: offset, "truncated \(length)-byte sequence at end of input")
            }
            let second = base.load(fromByteOffset: offset &+ 1, as: UInt8.self)
            guard second >= secondLow && second <= secondHigh else {
                throw utf8Error(at: offset, describeBadSecondByte(lead: lead, second: second))
            }
            for index in 2..<max(2, length) {
                let next = base.load(fromByteOffset: offset &+ index, as: UInt8.self)
                guard next & 0xC0 == 0x80 else {
                    throw utf8Error(at: offset, "truncated \(length)-byte sequence (byte \(Scanner.hex(next)))")
                }
            }
            offset &+= length
        }
    }

    /// Explains why the second byte of a multi-byte sequence is not allowed after its lead byte.
    private static func describeBadSecondByte(lead: UInt8, second: UInt8) -> String {
        if second & 0xC0 != 0x80 {
            return "truncated sequence (lead byte \(Scanner.hex(lead)) followed by \(Scanner.hex(second)))"
        }
        switch lead {
        case 0xE0, 0xF0: return "overlong encoding"
        case 0xED: return "encoded UTF-16 surrogate"
        default: return "code point above U+10FFFF"
        }
    }

    @inline(never)
    private static func utf8Error(at offset: Int, _ detail: String) -> EventDecodingError {
        EventDecodingError(kind: .notUTF8, message: "invalid UTF-8 at byte \(offset): \(detail)", byteOffset: offset)
    }
}
