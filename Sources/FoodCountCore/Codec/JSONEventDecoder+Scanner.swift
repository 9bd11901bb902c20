extension JSONEventDecoder {
    /// The type of the valid JSON value whose first byte is `firstByte`, with its article, for error messages.
    static func valueKind(firstByte: UInt8) -> String {
        switch firstByte {
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        default: "a number"
        }
    }

    /// A non-recursive, single-pass RFC 8259 validator that also finds the top-level category field.
    ///
    /// It expects valid UTF-8 (``validateUTF8(_:count:)`` runs first), so it only looks at ASCII bytes. After
    /// ``scan()``, its properties locate the first value of the category field.
    struct Scanner {
        /// The location of a JSON string's contents in the input: the offsets of the first byte after the opening
        /// quote and of the closing quote, and whether the contents contain at least one backslash escape.
        typealias StringToken = (start: Int, end: Int, hasEscapes: Bool)

        /// The input, `count` bytes from `base`.
        let base: UnsafeRawPointer
        let count: Int
        /// The UTF-8 bytes of the category field's name.
        let field: [UInt8]
        /// The deepest accepted nesting of containers.
        let maxDepth: Int
        /// The offset of the next byte to read.
        var position = 0
        /// The containers open at `position`: how many, and a bit stack with a set bit for an object, innermost in
        /// bit 0, that replaces the recursion of a recursive-descent parser. Each further 64 levels outward spill
        /// into `spilled`, which only a depth limit above the default of 64 lets grow.
        var depth = 0
        var containers: UInt64 = 0
        var spilled: [UInt64]?

        /// The offset of the field's first value, or `nil` if the top-level object has no such key, and its contents
        /// when it is a string.
        var fieldOffset: Int?
        var fieldString: StringToken = (start: 0, end: 0, hasEscapes: false)
        /// The offset of the field's second key in the top-level object, if any.
        var duplicateFieldOffset: Int?

        /// Validates the whole input as exactly one JSON value surrounded by optional whitespace, and returns the
        /// offset of that value. Not inlined: the function it would join grows too large to keep its state in
        /// registers (100 instructions more per event).
        @inline(never)
        mutating func scan() throws(EventDecodingError) -> Int {
            skipWhitespace()
            let topLevelOffset = position
            value: while true {
                // `position` is at the first byte of a value; whitespace has been skipped.
                let start = position
                switch byte(start) {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard depth < maxDepth else {
                        throw EventDecodingError(
                            kind: .tooDeep,
                            message: "nesting at byte \(start) exceeds the maximum depth of \(maxDepth)",
                            byteOffset: start
                        )
                    }
                    if depth > 0 && depth & 63 == 0 {
                        if spilled == nil { spilled = [] }
                        spilled?.append(containers)
                    }
                    let isObject = byte(start) == UInt8(ascii: "{")
                    containers = containers &<< 1 | (isObject ? 1 : 0)
                    depth &+= 1
                    position &+= 1
                    skipWhitespace()
                    // An empty container is closed below, as any other.
                    if byte(position) != (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        if isObject { try scanKeyAndColon(isFirstMember: true) }
                        continue value
                    }
                case UInt8(ascii: "\""):
                    let token = try scanString()
                    if start == fieldOffset { fieldString = token }
                case UInt8(ascii: "t"): try scanLiteral("true")
                case UInt8(ascii: "f"): try scanLiteral("false")
                case UInt8(ascii: "n"): try scanLiteral("null")
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
                default: throw unexpected(at: start, expecting: "a JSON value")
                }
                // A value is complete; close containers until one expects another member.
                while true {
                    skipWhitespace()
                    guard depth > 0 else {
                        guard position == count else { throw unexpected(at: position, expecting: "end of input") }
                        return topLevelOffset
                    }
                    let inObject = containers & 1 != 0
                    let next = byte(position)
                    if next == UInt8(ascii: ",") {
                        position &+= 1
                        skipWhitespace()
                        if inObject { try scanKeyAndColon(isFirstMember: false) }
                        continue value
                    }
                    guard next == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                        throw unexpected(at: position, expecting: inObject ? "',' or '}'" : "',' or ']'")
                    }
                    position &+= 1
                    depth &-= 1
                    containers &>>= 1
                    if depth > 0 && depth & 63 == 0 { containers = spilled?.popLast() ?? 0 }
                }
            }
        }

        /// The input byte at `offset`, or 0 past the end. The grammar never accepts a 0 byte outside a string, so a
        /// caller that finds it reports ``unexpected(at:expecting:)``, which tells the end of input apart.
        @inline(__always)
        func byte(_ offset: Int) -> UInt8 {
            offset < count ? base.load(fromByteOffset: offset, as: UInt8.self) : 0
        }

        /// Skips the four JSON whitespace bytes: space, tab, line feed and carriage return.
        @inline(__always)
        mutating func skipWhitespace() {
            while true {
                let b = byte(position)
                guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
                position &+= 1
            }
        }

        /// Consumes `"key" :` and the whitespace after it, noting where the top-level category field's value starts.
        /// `isFirstMember` tells whether the key directly follows `{` (so `}` would also have been acceptable).
        private mutating func scanKeyAndColon(isFirstMember: Bool) throws(EventDecodingError) {
            let keyOffset = position
            guard byte(keyOffset) == UInt8(ascii: "\"") else {
                throw unexpected(at: keyOffset, expecting: isFirstMember ? "string key or '}'" : "string key")
            }
            let key = try scanString()
            skipWhitespace()
            guard byte(position) == UInt8(ascii: ":") else {
                throw unexpected(at: position, expecting: "':' after object key")
            }
            position &+= 1
            skipWhitespace()
            if depth == 1 && isField(key) {
                if fieldOffset != nil { duplicateFieldOffset = duplicateFieldOffset ?? keyOffset }
                fieldOffset = fieldOffset ?? position
            }
        }
    }
}
