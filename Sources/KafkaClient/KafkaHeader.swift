/// A Kafka record header. Values may be null.
public struct KafkaHeader: Sendable, Hashable {
    /// The header name.
    public var name: String
    /// The header value, or `nil` for a null value.
    public var value: [UInt8]?

    /// Creates a header.
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// Creates a header whose value is the UTF-8 encoding of a string.
    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}
