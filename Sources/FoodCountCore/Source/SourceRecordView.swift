/// A record lent by a source without copying it, for the duration of one visit.
///
/// Its key and value point into the source's buffers and are valid only inside the closure that
/// receives the view (see ``EventSource/poll(maxRecords:timeout:_:)``). ``makeRecord()`` copies it.
public struct SourceRecordView {
    /// Where the record was read.
    public var partition: SourcePartition
    /// Its offset in the partition.
    public var offset: Int64
    /// Its key, or `nil` when the key is null. Borrowed.
    public var key: UnsafeRawBufferPointer?
    /// Its value, or `nil` for a tombstone (null value). Borrowed.
    public var value: UnsafeRawBufferPointer?
    /// Its timestamp in milliseconds since the epoch, when known.
    public var timestampMilliseconds: Int64?
    @usableFromInline var storedHeaders: [SourceRecord.Header]
    @usableFromInline var headerReader: (any SourceHeaderReader.Type)?
    @usableFromInline var headerToken: UnsafeRawPointer?

    /// Its headers, in order. A source may read them only when asked (see ``SourceHeaderReader``).
    public var headers: [SourceRecord.Header] {
        if let headerReader, let headerToken { return headerReader.headers(of: headerToken) }
        return storedHeaders
    }

    /// Creates a view over borrowed buffers.
    /// - Parameters:
    ///   - partition: Where the record was read.
    ///   - offset: Its offset.
    ///   - key: Its key, or `nil`; must stay valid while the view is used.
    ///   - value: Its value, or `nil`; must stay valid while the view is used.
    ///   - headers: Its headers.
    ///   - timestampMilliseconds: Its timestamp, when known.
    @inlinable
    public init(
        partition: SourcePartition,
        offset: Int64,
        key: UnsafeRawBufferPointer? = nil,
        value: UnsafeRawBufferPointer?,
        headers: [SourceRecord.Header] = [],
        timestampMilliseconds: Int64? = nil
    ) {
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.storedHeaders = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// Creates a view whose headers are read from the source only if someone asks for them.
    /// - Parameters:
    ///   - partition: Where the record was read.
    ///   - offset: Its offset.
    ///   - key: Its key, or `nil`; must stay valid while the view is used.
    ///   - value: Its value, or `nil`; must stay valid while the view is used.
    ///   - headerReader: Reads the headers on demand.
    ///   - headerToken: What identifies the record to `headerReader`.
    ///   - timestampMilliseconds: Its timestamp, when known.
    @inlinable
    public init(
        partition: SourcePartition,
        offset: Int64,
        key: UnsafeRawBufferPointer? = nil,
        value: UnsafeRawBufferPointer?,
        headerReader: any SourceHeaderReader.Type,
        headerToken: UnsafeRawPointer,
        timestampMilliseconds: Int64? = nil
    ) {
        self.init(
            partition: partition, offset: offset, key: key, value: value, timestampMilliseconds: timestampMilliseconds)
        self.headerReader = headerReader
        self.headerToken = headerToken
    }

    /// Copies the record out of the source's buffers.
    public func makeRecord() -> SourceRecord {
        SourceRecord(
            partition: partition, offset: offset, key: key.map { Array($0) }, value: value.map { Array($0) },
            headers: headers, timestampMilliseconds: timestampMilliseconds)
    }
}

/// Reads the headers of records a source lends, on demand: parsing headers costs an allocation per record
/// in librdkafka, and the pipeline needs them only for the rare record it dead-letters.
/// A type, not an instance, so that lending a record costs no reference counting.
public protocol SourceHeaderReader {
    /// The headers of a record lent in the current visit.
    /// - Parameter token: The token the source put in the record's view.
    static func headers(of token: UnsafeRawPointer) -> [SourceRecord.Header]
}

extension SourceRecord {
    /// Lends this record to `body` as a view.
    /// - Parameter body: Receives the view, valid only during the call.
    public func withView<Result>(_ body: (SourceRecordView) throws -> Result) rethrows -> Result {
        try Self.withOptionalBytes(key) { key in
            try Self.withOptionalBytes(value) { value in
                try body(
                    SourceRecordView(
                        partition: partition, offset: offset, key: key, value: value, headers: headers,
                        timestampMilliseconds: timestampMilliseconds))
            }
        }
    }

    private static func withOptionalBytes<Result>(
        _ bytes: [UInt8]?,
        _ body: (UnsafeRawBufferPointer?) throws -> Result
    ) rethrows -> Result {
        guard let bytes else { return try body(nil) }
        return try bytes.withUnsafeBytes { try body($0) }
    }
}
