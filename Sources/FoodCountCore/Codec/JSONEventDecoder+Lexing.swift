extension JSONEventDecoder.Scanner {
    /// Consumes a string starting at its opening quote and returns the location of its contents.
    mutating func scanString() throws(EventDecodingError) -> StringToken {
        let start = position &+ 1
        position = start
        var hasEscapes = false
        while true {
            let b = byte(position)
            if b == UInt8(ascii: "\"") {
                position &+= 1
                return (start, position &- 1, hasEscapes)
            } else if b == UInt8(ascii: "\\") {
                hasEscapes = true
                position = try escape(at: position).next
            } else if b >= 0x20 {
                position &+= 1
            } else if position < count {
                throw invalid(at: position, "unescaped control character \(Self.hex(b)) in string")
            } else {
                throw unexpected(at: position, expecting: "'\"' closing the string opened at byte \(start &- 1)")
            }
        }
    }

    /// Validates the escape sequence whose backslash is at `offset` (a `\uXXXX\uXXXX` surrogate pair is one) and
    /// returns its scalar and the offset just past it. The scan and ``withUnescaped(_:_:)`` share it, so that they
    /// cannot disagree.
    func escape(at offset: Int) throws(EventDecodingError) -> (scalar: Unicode.Scalar, next: Int) {
        let selector = byte(offset &+ 1)
        switch selector {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return (Unicode.Scalar(selector), offset &+ 2)
        case UInt8(ascii: "b"): return ("\u{08}", offset &+ 2)
        case UInt8(ascii: "f"): return ("\u{0C}", offset &+ 2)
        case UInt8(ascii: "n"): return ("\n", offset &+ 2)
        case UInt8(ascii: "r"): return ("\r", offset &+ 2)
        case UInt8(ascii: "t"): return ("\t", offset &+ 2)
        case UInt8(ascii: "u"): break
        default: throw unexpected(at: offset &+ 1, expecting: "escape character")
        }
        let unit = try fourHexDigits(at: offset &+ 2)
        guard unit & 0xF800 == 0xD800 else { return (Unicode.Scalar(unit) ?? "\u{FFFD}", offset &+ 6) }
        // A surrogate: a high one must be followed by an escaped low one.
        let isPaired =
            unit < 0xDC00 && byte(offset &+ 6) == UInt8(ascii: "\\") && byte(offset &+ 7) == UInt8(ascii: "u")
        let low = isPaired ? try fourHexDigits(at: offset &+ 8) : 0
        guard low & 0xFC00 == 0xDC00 else {
            let half = unit < 0xDC00 ? "high" : "low"
            throw invalid(
                at: offset, "unpaired \(half) surrogate escape \\u\(String(unit, radix: 16, uppercase: true))")
        }
        let value = 0x1_0000 &+ (unit &- 0xD800) &<< 10 &+ (low &- 0xDC00)
        return (Unicode.Scalar(value) ?? "\u{FFFD}", offset &+ 12)
    }

    /// Reads the four hexadecimal digits of a `\u` escape starting at `offset`.
    private func fourHexDigits(at offset: Int) throws(EventDecodingError) -> UInt32 {
        var value: UInt32 = 0
        for index in offset..<(offset &+ 4) {
            let b = byte(index)
            let decimal = b &- UInt8(ascii: "0")
            let letter = (b | 0x20) &- UInt8(ascii: "a")
            let digit = decimal < 10 ? decimal : letter < 6 ? letter &+ 10 : 16
            guard digit < 16 else { throw unexpected(at: index, expecting: "hexadecimal digit") }
            value = value &<< 4 | UInt32(digit)
        }
        return value
    }

    /// Calls `body` with the unescaped contents of a scanned string, written into a temporary (stack) buffer: as
    /// long as the string, since unescaping never lengthens it.
    @inline(__always)
    func withUnescaped<Result>(
        _ token: StringToken,
        _ body: (UnsafeRawBufferPointer) throws(EventDecodingError) -> Result
    ) throws(EventDecodingError) -> Result {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: token.end &- token.start) {
            buffer throws(EventDecodingError) -> Result in
            var written = 0
            var offset = token.start
            while offset < token.end {
                let b = byte(offset)
                guard b == UInt8(ascii: "\\") else {
                    buffer[written] = b
                    written &+= 1
                    offset &+= 1
                    continue
                }
                let (scalar, next) = try escape(at: offset)
                for unit in scalar.utf8 {
                    buffer[written] = unit
                    written &+= 1
                }
                offset = next
            }
            return try body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: written))
        }
    }

    /// Whether the unescaped contents of a scanned key equal the category field's name.
    @inline(__always)
    func isField(_ key: StringToken) -> Bool {
        guard !key.hasEscapes else { return isField(escaped: key) }
        guard key.end &- key.start == field.count else { return false }
        for index in 0..<field.count where byte(key.start &+ index) != field[index] { return false }
        return true
    }

    @inline(never)
    private func isField(escaped key: StringToken) -> Bool {
        (try? withUnescaped(key) { field.elementsEqual($0) }) ?? false
    }

    /// Consumes a number per the RFC 8259 grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func scanNumber() throws(EventDecodingError) {
        if byte(position) == UInt8(ascii: "-") { position &+= 1 }
        if byte(position) == UInt8(ascii: "0") && isDigit(at: position &+ 1) {
            throw invalid(at: position, "leading zero in number")
        }
        try scanDigits()  // a leading 0 is a digit on its own
        if byte(position) == UInt8(ascii: ".") { try scanDigits(after: 1) }
        if byte(position) | 0x20 == UInt8(ascii: "e") {
            let sign = byte(position &+ 1)
            try scanDigits(after: sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") ? 2 : 1)
        }
    }

    /// Consumes `skipped` bytes, then one or more digits.
    private mutating func scanDigits(after skipped: Int = 0) throws(EventDecodingError) {
        position &+= skipped
        guard isDigit(at: position) else { throw unexpected(at: position, expecting: "digit") }
        repeat { position &+= 1 } while isDigit(at: position)
    }

    private func isDigit(at offset: Int) -> Bool {
        byte(offset) &- UInt8(ascii: "0") < 10
    }

    /// Consumes the literal `true`, `false` or `null`.
    mutating func scanLiteral(_ literal: StaticString) throws(EventDecodingError) {
        for index in 0..<literal.utf8CodeUnitCount where byte(position &+ index) != literal.utf8Start[index] {
            throw unexpected(at: position &+ index, expecting: "'\(literal)'")
        }
        position &+= literal.utf8CodeUnitCount
    }

    /// A syntax error: something other than `expectation` was found at `offset` (printable ASCII is quoted, any
    /// other byte shown in hex), or the input ended there.
    @inline(never)
    func unexpected(at offset: Int, expecting expectation: String) -> EventDecodingError {
        let b = byte(offset)
        let byteText = b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte \(Self.hex(b))"
        return invalid(
            at: min(offset, count), "expected \(expectation), found \(offset < count ? byteText : "end of input")")
    }

    /// A syntax error at `offset` with a free-form explanation.
    func invalid(at offset: Int, _ detail: String) -> EventDecodingError {
        EventDecodingError(kind: .notJSON, message: "invalid JSON at byte \(offset): \(detail)", byteOffset: offset)
    }

    /// A byte as `0x` and two uppercase hexadecimal digits.
    static func hex(_ b: UInt8) -> String {
        (b < 0x10 ? "0x0" : "0x") + String(b, radix: 16, uppercase: true)
    }
}
