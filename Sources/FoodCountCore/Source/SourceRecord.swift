/// One record read from an event stream, before decoding.
public struct SourceRecord: Sendable, Hashable {
    /// A record header; values may be null.
    public struct Header: Sendable, Hashable {
        /// The header name.
        public var name: String
        /// The header value, or `nil` when null.
        public var value: [UInt8]?

        /// Creates a header.
        public init(name: String, value: [UInt8]?) {
            self.name = name
            self.value = value
        }
    }

    /// Where the record was read from.
    public var partition: SourcePartition
    /// The record's offset in its partition.
    public var offset: Int64
    /// The record key, or `nil` when null.
    public var key: [UInt8]?
    /// The record value, or `nil` for a tombstone.
    public var value: [UInt8]?
    /// The record headers.
    public var headers: [Header]
    /// The record timestamp in milliseconds since the epoch, when known.
    public var timestampMilliseconds: Int64?

    /// Creates a record.
    public init(
        partition: SourcePartition,
        offset: Int64,
        key: [UInt8]? = nil,
        value: [UInt8]?,
        headers: [Header] = [],
        timestampMilliseconds: Int64? = nil
    ) {
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }
}
