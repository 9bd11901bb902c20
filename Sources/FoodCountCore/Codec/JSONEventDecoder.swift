/// Decodes JSON message values such as `{"food": "sandwich"}` into ``FoodEvent``s.
///
/// The decoder validates the complete value as strict RFC 8259 JSON without recursion, in time and memory linear in
/// the input size, and never traps. The category is taken from one top-level string field (``Configuration/field``),
/// trimmed of Unicode whitespace, lowercased and composed to NFC (``CategoryForm``).
///
/// Failures are reported in this order of precedence: ``EventDecodingError/Kind/tombstone``,
/// ``EventDecodingError/Kind/tooLarge``, ``EventDecodingError/Kind/notUTF8``, then the first syntax or nesting problem
/// in input order (``EventDecodingError/Kind/notJSON`` or ``EventDecodingError/Kind/tooDeep``), then
/// ``EventDecodingError/Kind/notObject``, ``EventDecodingError/Kind/duplicateField``,
/// ``EventDecodingError/Kind/missingField``, ``EventDecodingError/Kind/nullField``,
/// ``EventDecodingError/Kind/fieldNotString``, ``EventDecodingError/Kind/emptyCategory`` and
/// ``EventDecodingError/Kind/categoryTooLong``.
///
/// It is hand-written because Foundation's `JSONSerialization` cannot report duplicate keys, limit the nesting or
/// say why it failed.
public struct JSONEventDecoder: EventDecoder {
    // The parts: the UTF-8 check (+UTF8), one pass over the JSON structure (+Scanner) and its tokens (+Lexing),
    // then the category rule (+Category).

    /// Limits and field selection for a ``JSONEventDecoder``.
    public struct Configuration: Sendable {
        /// The name of the top-level field holding the category, compared with object keys after unescaping.
        public var field: String
        /// The largest accepted message value, in bytes; larger values are rejected before they are read.
        public var maxMessageBytes: Int
        /// The largest accepted normalized category, in UTF-8 bytes.
        public var maxCategoryBytes: Int
        /// The deepest accepted nesting of arrays and objects; the top-level object counts as depth 1.
        public var maxDepth: Int

        /// Creates a configuration; each parameter sets the property of the same name.
        public init(
            field: String = "food",
            maxMessageBytes: Int = 65_536,
            maxCategoryBytes: Int = 128,
            maxDepth: Int = 64
        ) {
            self.field = field
            self.maxMessageBytes = maxMessageBytes
            self.maxCategoryBytes = maxCategoryBytes
            self.maxDepth = maxDepth
        }
    }

    /// The limits and field selection this decoder applies.
    public let configuration: Configuration

    /// The UTF-8 bytes of ``Configuration/field``, precomputed for key comparison.
    let fieldBytes: [UInt8]

    /// Creates a decoder.
    ///
    /// - Parameter configuration: The limits and field selection to apply.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        self.fieldBytes = Array(configuration.field.utf8)
    }

    /// Always `true`: the event depends on the bytes and the configuration only.
    public var isDeterministic: Bool { true }

    /// Decodes one JSON message value.
    ///
    /// - Parameter value: The raw bytes of the message value, or `nil` for a tombstone.
    /// - Returns: The event with its normalized category.
    /// - Throws: ``EventDecodingError`` describing why the value is not a valid event.
    public func decode(_ value: UnsafeRawBufferPointer?) throws(EventDecodingError) -> FoodEvent {
        guard let value else {
            throw EventDecodingError(kind: .tombstone, message: "message value is null (tombstone)")
        }
        guard value.count <= configuration.maxMessageBytes else {
            throw EventDecodingError(
                kind: .tooLarge,
                message: "message of \(value.count) bytes exceeds the limit of \(configuration.maxMessageBytes) bytes"
            )
        }
        guard let base = value.baseAddress, value.count > 0 else {
            throw EventDecodingError(
                kind: .notJSON,
                message: "invalid JSON at byte 0: expected a JSON value, found end of input",
                byteOffset: 0
            )
        }
        // The UTF-8 check runs first so that it wins over a syntax error earlier in the input.
        try Self.validateUTF8(base, count: value.count)
        // The scanner stays in this function: passing it on copies it, which cost about 10 ns per event.
        var scanner = Scanner(base: base, count: value.count, field: fieldBytes, maxDepth: configuration.maxDepth)
        let topLevelOffset = try scanner.scan()
        let topLevelByte = scanner.byte(topLevelOffset)
        guard topLevelByte == UInt8(ascii: "{") else {
            throw EventDecodingError(
                kind: .notObject,
                message: "top-level JSON value is \(Self.valueKind(firstByte: topLevelByte)), expected an object",
                byteOffset: topLevelOffset
            )
        }
        if let duplicateOffset = scanner.duplicateFieldOffset {
            throw fieldError(.duplicateField, "appears more than once in the top-level object", at: duplicateOffset)
        }
        guard let fieldOffset = scanner.fieldOffset else {
            throw fieldError(.missingField, "is missing from the top-level object", at: nil)
        }
        switch scanner.byte(fieldOffset) {
        case UInt8(ascii: "\""):
            let token = scanner.fieldString
            guard !token.hasEscapes else {
                let category = try scanner.withUnescaped(token) { bytes throws(EventDecodingError) in
                    try normalizedCategory(bytes, valueOffset: fieldOffset)
                }
                return FoodEvent(category: category)
            }
            let contents = UnsafeRawBufferPointer(start: base + token.start, count: token.end &- token.start)
            return FoodEvent(category: try normalizedCategory(contents, valueOffset: fieldOffset))
        case UInt8(ascii: "n"):
            throw fieldError(.nullField, "is null", at: fieldOffset)
        case let firstByte:
            throw fieldError(
                .fieldNotString, "is \(Self.valueKind(firstByte: firstByte)), expected a string", at: fieldOffset)
        }
    }

    /// Builds an error about the category field, naming the field in the message.
    @inline(never)
    func fieldError(_ kind: EventDecodingError.Kind, _ detail: String, at offset: Int?) -> EventDecodingError {
        EventDecodingError(
            kind: kind, message: "field \(configuration.field.debugDescription) \(detail)", byteOffset: offset)
    }
}
