extension JSONEventDecoder {
    /// Throws ``EventDecodingError/Kind/notUTF8`` unless the bytes are well-formed UTF-8.
    ///
    /// Pure ASCII input, the common case, is recognised eight bytes at a time; full validation per the Unicode
    /// well-formed byte sequence table (no overlong forms, no encoded surrogates, nothing above U+10FFFF, no truncated
    /// sequences) only starts at the first byte of 0x80 or above.
    static func validateUTF8(_ base: UnsafeRawPointer, count: Int) throws(EventDecodingError) {
        var offset = 0
        while offset &+ 8 <= count
            && base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
        {
            offset &+= 8
        }
        while offset < count {
            let lead = base.load(fromByteOffset: offset, as: UInt8.self)
            guard lead >= 0x80 else {
                offset &+= 1
                continue
            }
            guard lead >= 0xC2 && lead <= 0xF4 else { throw utf8Error(at: offset, describeInvalid(lead: lead)) }
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            // The second byte's range is narrower after the lead bytes that could start an overlong form, an encoded
            // surrogate or a code point above U+10FFFF.
            let secondLow: UInt8 = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80
            let secondHigh: UInt8 = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF
            guard length <= count &- offset else {
                throw utf8Error(at: offset, "truncated \(length)-byte sequence at end of input")
            }
            let second = base.load(fromByteOffset: offset &+ 1, as: UInt8.self)
            guard second >= secondLow && second <= secondHigh else {
                throw utf8Error(at: offset, describeInvalid(lead: lead, second: second))
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

    /// Explains why a lead byte, or the second byte after a valid lead byte, is not allowed.
    private static func describeInvalid(lead: UInt8, second: UInt8? = nil) -> String {
        switch (lead, second) {
        case (0x80...0xBF, .none): "unexpected continuation byte \(Scanner.hex(lead))"
        case (0xC0...0xC1, .none): "overlong encoding (lead byte \(Scanner.hex(lead)))"
        case (_, .none): "invalid lead byte \(Scanner.hex(lead))"
        case (_, .some(let second)) where second & 0xC0 != 0x80:
            "truncated sequence (lead byte \(Scanner.hex(lead)) followed by \(Scanner.hex(second)))"
        case (0xE0, _), (0xF0, _): "overlong encoding"
        case (0xED, _): "encoded UTF-16 surrogate"
        default: "code point above U+10FFFF"
        }
    }

    private static func utf8Error(at offset: Int, _ detail: String) -> EventDecodingError {
        EventDecodingError(kind: .notUTF8, message: "invalid UTF-8 at byte \(offset): \(detail)", byteOffset: offset)
    }
}
