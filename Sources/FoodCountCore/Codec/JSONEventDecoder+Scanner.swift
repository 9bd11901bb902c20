extension JSONEventDecoder {
    /// The type of a JSON value, as far as the decoder cares.
    enum ValueKind: CustomStringConvertible {
        case object, array, string, number, boolean, null

        /// The kind with an article, for use in error messages ("an array").
        var description: String {
            switch self {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number: "a number"
            case .boolean: "a boolean"
            case .null: "null"
            }
        }
    }

    /// The location of a JSON string's contents (between the quotes) in the input.
    struct StringToken {
        /// Offset of the first byte after the opening quote.
        var start: Int
        /// Offset of the closing quote.
        var end: Int
        /// Whether the contents contain at least one backslash escape.
        var hasEscapes: Bool
    }

    /// A bit stack recording, for each open container, whether it is an object or an array.
    ///
    /// The first 64 levels live inline; deeper levels (only reachable with `maxDepth > 64`) spill into an array that
    /// grows by one word per 64 levels, so memory stays linear in the nesting depth.
    struct ContainerStack {
        /// The number of open containers.
        private(set) var depth = 0
        /// Bit `n` is set when the container at level `n` (zero-based) is an object, for levels below 64.
        private var inline: UInt64 = 0
        /// The same bits for levels 64 and deeper, allocated only when needed.
        private var overflow: [UInt64]?

        /// Whether the innermost open container is an object. Only meaningful when `depth > 0`.
        var topIsObject: Bool {
            let level = depth &- 1
            if level < 64 {
                return inline & (1 &<< UInt64(level)) != 0
            }
            let index = (level &- 64) &>> 6
            guard let overflow, index < overflow.count else { return false }
            return overflow[index] & (1 &<< UInt64((level &- 64) & 63)) != 0
        }

        /// Opens a container one level deeper than the current innermost one.
        mutating func push(isObject: Bool) {
            let level = depth
            if level < 64 {
                let mask: UInt64 = 1 &<< UInt64(level)
                inline = isObject ? inline | mask : inline & ~mask
            } else {
                let index = (level &- 64) &>> 6
                let mask: UInt64 = 1 &<< UInt64((level &- 64) & 63)
                var words = overflow ?? []
                overflow = nil  // keep `words` uniquely referenced so the update happens in place
                if index >= words.count { words.append(0) }
                words[index] = isObject ? words[index] | mask : words[index] & ~mask
                overflow = words
            }
            depth = level &+ 1
        }

        /// Closes the innermost container.
        mutating func pop() {
            if depth > 0 { depth &-= 1 }
        }
    }

    /// A non-recursive, single-pass RFC 8259 validator that also locates the top-level category field.
    ///
    /// Expects valid UTF-8 input. After a successful ``scan()`` the properties describe the top-level value and the
    /// first occurrence of the category field.
    struct Scanner {
        /// The first byte of the input.
        let base: UnsafeRawPointer
        /// The number of bytes in the input.
        let count: Int
        /// The UTF-8 bytes of the category field name.
        let field: UnsafeBufferPointer<UInt8>
        /// The deepest accepted nesting of containers.
        let maxDepth: Int
        /// The offset of the next byte to read.
        var position = 0
        /// The containers that are open at `position`.
        var containers = ContainerStack()

        /// The type of the top-level value.
        var topLevelKind = ValueKind.null
        /// The offset of the top-level value.
        var topLevelOffset = 0
        /// The type of the category field's value, or `nil` if the field does not occur at top level.
        var fieldKind: ValueKind?
        /// The offset of the category field's value.
        var fieldOffset = 0
        /// The contents of the category field's value when it is a string.
        var fieldString = StringToken(start: 0, end: 0, hasEscapes: false)
        /// The offset of the second occurrence of the category key in the top-level object, if any.
        var duplicateFieldOffset: Int?
        /// Set between a matching top-level key and its value.
        private var fieldValuePending = false

        init(base: UnsafeRawPointer, count: Int, field: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.base = base
            self.count = count
            self.field = field
            self.maxDepth = maxDepth
        }

        /// Validates the whole input as exactly one JSON value surrounded by optional whitespace.
        mutating func scan() throws(EventDecodingError) {
            skipWhitespace()
            topLevelOffset = position
            value: while true {
                // `position` is at the first byte of a value; whitespace has been skipped.
                let isFieldValue = fieldValuePending
                fieldValuePending = false
                guard position < count else { throw endOfInput(expecting: "a JSON value") }
                let start = position
                switch byte(start) {
                case UInt8(ascii: "{"):
                    note(.object, at: start, isFieldValue: isFieldValue)
                    try open(isObject: true)
                    if position < count && byte(position) == UInt8(ascii: "}") {
                        position &+= 1
                        containers.pop()
                    } else {
                        try scanKeyAndColon(isFirstMember: true)
                        continue value
                    }
                case UInt8(ascii: "["):
                    note(.array, at: start, isFieldValue: isFieldValue)
                    try open(isObject: false)
                    guard position < count, byte(position) == UInt8(ascii: "]") else { continue value }
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
                    guard position < count else { throw endOfInput(expecting: Self.memberSeparator(inObject)) }
                    let next = byte(position)
                    if next == UInt8(ascii: ",") {
                        position &+= 1
                        skipWhitespace()
                        if inObject { try scanKeyAndColon(isFirstMember: false) }
                        continue value
                    }
                    guard next == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                        throw unexpected(at: position, expecting: Self.memberSeparator(inObject))
                    }
                    position &+= 1
                    containers.pop()
                }
            }
        }

        /// What may follow a member of the innermost container, for error messages.
        private static func memberSeparator(_ inObject: Bool) -> String {
            inObject ? "',' or '}'" : "',' or ']'"
        }

        /// The input byte at `offset`, which the caller has checked to be in bounds.
        @inline(__always)
        func byte(_ offset: Int) -> UInt8 {
            assert(offset >= 0 && offset < count, "scanner read out of bounds")
            return base.load(fromByteOffset: offset, as: UInt8.self)
        }

        /// Skips the four JSON whitespace bytes: space, tab, line feed and carriage return.
        @inline(__always)
        mutating func skipWhitespace() {
            while position < count {
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
            guard containers.depth < maxDepth else { throw tooDeep(at: position) }
            containers.push(isObject: isObject)
            position &+= 1
            skipWhitespace()
        }

        /// Consumes `"key" :` and the whitespace after it, noting whether the key is the top-level category field.
        ///
        /// - Parameter isFirstMember: Whether the key directly follows `{` (so `}` would also have been acceptable).
        private mutating func scanKeyAndColon(isFirstMember: Bool) throws(EventDecodingError) {
            guard position < count, byte(position) == UInt8(ascii: "\"") else {
                throw unexpected(at: position, expecting: isFirstMember ? "string key or '}'" : "string key")
            }
            let keyOffset = position
            let key = try scanString()
            if containers.depth == 1 && JSONEventDecoder.string(key, in: base, equals: field) {
                if fieldKind == nil {
                    fieldValuePending = true
                } else if duplicateFieldOffset == nil {
                    duplicateFieldOffset = keyOffset
                }
            }
            skipWhitespace()
            guard position < count, byte(position) == UInt8(ascii: ":") else {
                throw unexpected(at: position, expecting: "':' after object key")
            }
            position &+= 1
            skipWhitespace()
        }
    }
}
