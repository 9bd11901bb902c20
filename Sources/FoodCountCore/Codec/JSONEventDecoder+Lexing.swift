extension JSONEventDecoder.Scanner {
    /// Consumes a string starting at its opening quote and returns the location of its contents.
    mutating func scanString() throws(EventDecodingError) -> JSONEventDecoder.StringToken {
        let openingQuote = position
        position &+= 1
        let start = position
        var hasEscapes = false
        while position < count {
            let b = byte(position)
            if b == UInt8(ascii: "\"") {
                let token = JSONEventDecoder.StringToken(start: start, end: position, hasEscapes: hasEscapes)
                position &+= 1
                return token
            }
            if b == UInt8(ascii: "\\") {
                hasEscapes = true
                try scanEscape()
            } else if b < 0x20 {
                throw invalid(at: position, "unescaped control character \(Self.hex(b)) in string")
            } else {
                position &+= 1
            }
        }
        throw endOfInput(expecting: "'\"' closing the string opened at byte \(openingQuote)")
    }

    /// Consumes one escape sequence starting at its backslash, including a complete `\uXXXX\uXXXX` surrogate pair.
    private mutating func scanEscape() throws(EventDecodingError) {
        let escapeOffset = position
        let selectorOffset = position &+ 1
        guard selectorOffset < count else { throw endOfInput(expecting: "escape character") }
        switch byte(selectorOffset) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position &+= 2
        case UInt8(ascii: "u"):
            let unit = try scanHex4(at: selectorOffset &+ 1)
            position &+= 6
            if unit & 0xFC00 == 0xDC00 {
                throw invalid(at: escapeOffset, "unpaired low surrogate escape \\u\(Self.hex4(unit))")
            }
            guard unit & 0xFC00 == 0xD800 else { return }
            guard position &+ 1 < count, byte(position) == UInt8(ascii: "\\"),
                byte(position &+ 1) == UInt8(ascii: "u")
            else {
                throw invalid(at: escapeOffset, "unpaired high surrogate escape \\u\(Self.hex4(unit))")
            }
            let low = try scanHex4(at: position &+ 2)
            guard low & 0xFC00 == 0xDC00 else {
                throw invalid(at: escapeOffset, "unpaired high surrogate escape \\u\(Self.hex4(unit))")
            }
            position &+= 6
        default:
            throw unexpected(at: selectorOffset, expecting: "escape character")
        }
    }

    /// Reads the four hexadecimal digits of a `\u` escape starting at `offset`.
    private func scanHex4(at offset: Int) throws(EventDecodingError) -> UInt32 {
        var value: UInt32 = 0
        for index in offset..<(offset &+ 4) {
            guard index < count else { throw endOfInput(expecting: "hexadecimal digit") }
            let digit = JSONEventDecoder.hexDigitValue(byte(index))
            guard digit < 16 else { throw unexpected(at: index, expecting: "hexadecimal digit") }
            value = value &<< 4 | digit
        }
        return value
    }

    /// Consumes a number per the RFC 8259 grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func scanNumber() throws(EventDecodingError) {
        if byte(position) == UInt8(ascii: "-") { position &+= 1 }
        guard position < count else { throw endOfInput(expecting: "digit") }
        let first = byte(position)
        if first == UInt8(ascii: "0") {
            position &+= 1
            if position < count && Self.isDigit(byte(position)) {
                throw invalid(at: position &- 1, "leading zero in number")
            }
        } else if Self.isDigit(first) {
            position &+= 1
            skipDigits()
        } else {
            throw unexpected(at: position, expecting: "digit")
        }
        if position < count && byte(position) == UInt8(ascii: ".") {
            position &+= 1
            try scanDigits()
        }
        if position < count && byte(position) | 0x20 == UInt8(ascii: "e") {
            position &+= 1
            if position < count && (byte(position) == UInt8(ascii: "+") || byte(position) == UInt8(ascii: "-")) {
                position &+= 1
            }
            try scanDigits()
        }
    }

    /// Consumes one or more digits.
    private mutating func scanDigits() throws(EventDecodingError) {
        guard position < count else { throw endOfInput(expecting: "digit") }
        guard Self.isDigit(byte(position)) else { throw unexpected(at: position, expecting: "digit") }
        skipDigits()
    }

    @inline(__always)
    private mutating func skipDigits() {
        while position < count && Self.isDigit(byte(position)) { position &+= 1 }
    }

    /// Consumes the literal `true`, `false` or `null`.
    mutating func scanLiteral(_ literal: StaticString) throws(EventDecodingError) {
        let expected = literal.utf8Start
        for index in 0..<literal.utf8CodeUnitCount {
            let offset = position &+ index
            guard offset < count else { throw endOfInput(expecting: "'\(literal)'") }
            guard byte(offset) == expected[index] else { throw unexpected(at: offset, expecting: "'\(literal)'") }
        }
        position &+= literal.utf8CodeUnitCount
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool {
        b &- UInt8(ascii: "0") < 10
    }

    // MARK: - Errors

    /// A syntax error: something other than `expectation` was found at `offset`.
    @inline(never)
    func unexpected(at offset: Int, expecting expectation: String) -> EventDecodingError {
        guard offset < count else { return endOfInput(expecting: expectation) }
        return invalid(at: offset, "expected \(expectation), found \(Self.describe(byte(offset)))")
    }

    /// A syntax error: the input ended while `expectation` was still required.
    @inline(never)
    func endOfInput(expecting expectation: String) -> EventDecodingError {
        invalid(at: count, "expected \(expectation), found end of input")
    }

    /// A syntax error at `offset` with a free-form explanation.
    @inline(never)
    func invalid(at offset: Int, _ detail: String) -> EventDecodingError {
        EventDecodingError(kind: .notJSON, message: "invalid JSON at byte \(offset): \(detail)", byteOffset: offset)
    }

    /// A container opened at `offset` would exceed the maximum depth.
    @inline(never)
    func tooDeep(at offset: Int) -> EventDecodingError {
        EventDecodingError(
            kind: .tooDeep,
            message: "nesting at byte \(offset) exceeds the maximum depth of \(maxDepth)",
            byteOffset: offset
        )
    }

    /// Describes an input byte for an error message: printable ASCII quoted, anything else in hex.
    static func describe(_ b: UInt8) -> String {
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte \(hex(b))"
    }

    static func hex(_ b: UInt8) -> String {
        let digits = String(b, radix: 16, uppercase: true)
        return b < 0x10 ? "0x0\(digits)" : "0x\(digits)"
    }

    static func hex4(_ unit: UInt32) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
