/// The reason a message value could not be turned into a ``FoodEvent``.
///
/// The ``kind`` is a stable, machine readable classification (its raw value is written into dead-letter headers);
/// the ``message`` is a one-line explanation for humans and may change between versions.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable classification of decoding failures.
    ///
    /// Raw values are a public contract: they are persisted in dead-letter headers and must never change.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The stable identifier of the kind, in `snake_case`.
        public let rawValue: String

        /// Creates a kind from its stable identifier.
        ///
        /// - Parameter rawValue: The identifier, for example `"not_json"`.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// The stable identifier of the kind; identical to ``rawValue``.
        public var description: String { rawValue }

        /// The value is not valid UTF-8 (overlong forms, encoded surrogates, code points above U+10FFFF or truncated
        /// sequences).
        public static let notUTF8 = Kind(rawValue: "not_utf8")
        /// The value is not exactly one valid RFC 8259 JSON text.
        public static let notJSON = Kind(rawValue: "not_json")
        /// The value is valid JSON, but its top-level value is not an object.
        public static let notObject = Kind(rawValue: "not_object")
        /// The top-level object has no category field.
        public static let missingField = Kind(rawValue: "missing_field")
        /// The category field is JSON `null`.
        public static let nullField = Kind(rawValue: "null_field")
        /// The category field is present but is not a JSON string.
        public static let fieldNotString = Kind(rawValue: "field_not_string")
        /// The category field appears more than once in the top-level object.
        public static let duplicateField = Kind(rawValue: "duplicate_field")
        /// The category is empty once surrounding whitespace has been trimmed.
        public static let emptyCategory = Kind(rawValue: "empty_category")
        /// The normalized category is longer than the configured maximum number of UTF-8 bytes.
        public static let categoryTooLong = Kind(rawValue: "category_too_long")
        /// The message has no value at all (a Kafka tombstone).
        public static let tombstone = Kind(rawValue: "tombstone")
        /// The value is longer than the configured maximum message size.
        public static let tooLarge = Kind(rawValue: "too_large")
        /// The value nests arrays and objects deeper than the configured maximum depth.
        public static let tooDeep = Kind(rawValue: "too_deep")
    }

    /// The stable classification of the failure.
    public let kind: Kind
    /// A human readable, single-line explanation, for example `"invalid JSON at byte 12: expected ':'"`.
    public let message: String
    /// The zero-based byte offset in the input the failure refers to, or `nil` when no position is meaningful.
    public let byteOffset: Int?

    /// Creates a decoding error.
    ///
    /// - Parameters:
    ///   - kind: The stable classification of the failure.
    ///   - message: A human readable, single-line explanation.
    ///   - byteOffset: The zero-based byte offset in the input the failure refers to, if any.
    public init(kind: Kind, message: String, byteOffset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.byteOffset = byteOffset
    }

    /// The kind followed by the message, for example `"not_json: invalid JSON at byte 12: expected ':'"`.
    public var description: String { "\(kind.rawValue): \(message)" }
}
