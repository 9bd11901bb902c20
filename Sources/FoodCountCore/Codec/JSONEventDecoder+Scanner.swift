extension JSONEventDecoder {
    /// The type of a JSON value, as far as the decoder cares, named with an article for error messages.
    enum ValueKind: String, CustomStringConvertible {
        case object = "an object", array = "an array", string = "a string", number = "a number"
        case boolean = "a boolean", null

        /// The name with its article ("an array").
        var description: String { rawValue }
    }

    /// A bit stack of the open containers, a set bit for an object: it replaces the recursion of a recursive-descent
    /// parser. The innermost levels live in one word; each further 64 levels outward spill into an array, which is
    /// only ever touched beyond the default depth limit of 64.
    struct ContainerStack {
        /// The number of open containers.
        private(set) var depth = 0
        private var bits: UInt64 = 0  // innermost level in bit 0
        private var spilled: [UInt64]?

        /// Whether the innermost open container is an object. Only meaningful when `depth > 0`.
        var topIsObject: Bool { bits & 1 != 0 }

        /// Opens a container one level deeper than the innermost one.
        mutating func push(isObject: Bool) {
            if depth > 0 && depth & 63 == 0 {
                if spilled == nil { spilled = [] }
                spilled?.append(bits)
            }
            bits = bits &<< 1 | (isObject ? 1 : 0)
            depth &+= 1
        }

        /// Closes the innermost container.
        mutating func pop() {
            depth &-= 1
            bits &>>= 1
            if depth > 0 && depth & 63 == 0 { bits = spilled?.popLast() ?? 0 }
        }
    }

    /// A non-recursive, single-pass RFC 8259 validator that also finds the top-level category field.
    ///
    /// It expects valid UTF-8 (``validateUTF8(_:count:)`` runs first), so it only looks at ASCII bytes. After
    /// ``scan()``, its properties describe the top-level value and the first value of the category field.
    struct Scanner {
        /// The input, `count` bytes from `base`.
        let base: UnsafeRawPointer
        let count: Int
        /// The UTF-8 bytes of the category field's name.
        let field: UnsafeBufferPointer<UInt8>
        /// The deepest accepted nesting of containers.
        let maxDepth: Int
        /// The offset of the next byte to read.
        var position = 0
        /// The containers that are open at `position`.
        var containers = ContainerStack()

        /// The type and offset of the top-level value.
        var topLevelKind = ValueKind.null
        var topLevelOffset = 0
        /// The type of the field's first value, or `nil` if the top-level object has no such key; its offset, and
        /// its contents when it is a string.
        var fieldKind: ValueKind?
        var fieldOffset = 0
        var fieldString = StringToken(start: 0, end: 0, hasEscapes: false)
        /// The offset of the field's second key in the top-level object, if any.
        var duplicateFieldOffset: Int?
        /// Set between the field's first key and its value.
        var fieldValuePending = false

        /// Validates the whole input as exactly one JSON value surrounded by optional whitespace.
        mutating func scan() throws(EventDecodingError) {
            skipWhitespace()
            topLevelOffset = position
            value: while true {
                // `position` is at the first byte of a value; whitespace has been skipped.
                let isFieldValue = fieldValuePending
                fieldValuePending = false
                let start = position
                switch byte(start) {
                case UInt8(ascii: "{"):
                    note(.object, at: start, isFieldValue: isFieldValue)
                    try open(isObject: true)
                    guard byte(position) == UInt8(ascii: "}") else {
                        try scanKeyAndColon(isFirstMember: true)
                        continue value
                    }
                    position &+= 1
                    containers.pop()
                case UInt8(ascii: "["):
                    note(.array, at: start, isFieldValue: isFieldValue)
                    try open(isObject: false)
                    guard byte(position) == UInt8(ascii: "]") else { continue value }
                    position &+= 1
                    containers.pop()
                case UInt8(ascii: "\""):
                    note(.string, at: start, isFieldValue: isFieldValue)
                    let token = try scanString()
                    if isFieldValue { fieldString = token }
                case UInt8(ascii: "t"):
                    note(.boolean, at: start, isFieldValue: isFieldValue)
                    try scanLiteral("true")
                case UInt8(ascii: "f"):
                    note(.boolean, at: start, isFieldValue: isFieldValue)
                    try scanLiteral("false")
                case UInt8(ascii: "n"):
                    note(.null, at: start, isFieldValue: isFieldValue)
                    try scanLiteral("null")
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    note(.number, at: start, isFieldValue: isFieldValue)
                    try scanNumber()
                default:
                    throw unexpected(at: start, expecting: "a JSON value")
                }
                // A value is complete; close containers until one expects another member.
                while true {
                    skipWhitespace()
                    if containers.depth == 0 {
                        guard position == count else { throw unexpected(at: position, expecting: "end of input") }
                        return
                    }
                    let inObject = containers.topIsObject
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
                    containers.pop()
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

        /// Records the type of the value starting at `offset`, if it is the top-level value or the category field.
        @inline(__always)
        private mutating func note(_ kind: ValueKind, at offset: Int, isFieldValue: Bool) {
            if containers.depth == 0 { topLevelKind = kind }
            if isFieldValue {
                fieldKind = kind
                fieldOffset = offset
            }
        }

        /// Consumes an opening bracket or brace and any whitespace after it, enforcing the depth limit.
        private mutating func open(isObject: Bool) throws(EventDecodingError) {
            guard containers.depth < maxDepth else {
                throw EventDecodingError(
                    kind: .tooDeep,
                    message: "nesting at byte \(position) exceeds the maximum depth of \(maxDepth)",
                    byteOffset: position
                )
            }
            containers.push(isObject: isObject)
            position &+= 1
            skipWhitespace()
        }

        /// Consumes `"key" :` and the whitespace after it, noting whether the key is the top-level category field.
        ///
        /// - Parameter isFirstMember: Whether the key directly follows `{` (so `}` would also have been acceptable).
        private mutating func scanKeyAndColon(isFirstMember: Bool) throws(EventDecodingError) {
            guard byte(position) == UInt8(ascii: "\"") else {
                throw unexpected(at: position, expecting: isFirstMember ? "string key or '}'" : "string key")
            }
            let keyOffset = position
            let key = try scanString()
            if containers.depth == 1 && isField(key) {
                if fieldKind == nil {
                    fieldValuePending = true
                } else if duplicateFieldOffset == nil {
                    duplicateFieldOffset = keyOffset
                }
            }
            skipWhitespace()
            guard byte(position) == UInt8(ascii: ":") else {
                throw unexpected(at: position, expecting: "':' after object key")
            }
            position &+= 1
            skipWhitespace()
        }
    }
}
