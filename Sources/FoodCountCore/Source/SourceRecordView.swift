/// A record lent by a source without copying it, for the duration of one visit.
///
/// Its key and value point into the source's buffers and are valid only inside the closure that receives
/// the view (see ``SourceRun/forEach(_:)``). Its partition is its run's; ``SourceRun/makeRecord(at:)``
/// copies it, headers included.
public struct SourceRecordView {
    /// Its offset in the partition.
    public var offset: Int64
    /// Its key, or `nil` when the key is null. Borrowed.
    public var key: UnsafeRawBufferPointer?
    /// Its value, or `nil` for a tombstone (null value). Borrowed.
    public var value: UnsafeRawBufferPointer?
    /// Its timestamp in milliseconds since the epoch, when known.
    public var timestampMilliseconds: Int64?

    /// Creates a view over borrowed buffers.
    /// - Parameters:
    ///   - offset: Its offset.
    ///   - key: Its key, or `nil`; must stay valid while the view is used.
    ///   - value: Its value, or `nil`; must stay valid while the view is used.
    ///   - timestampMilliseconds: Its timestamp, when known.
    @inlinable
    public init(
        offset: Int64,
        key: UnsafeRawBufferPointer? = nil,
        value: UnsafeRawBufferPointer?,
        timestampMilliseconds: Int64? = nil
    ) {
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }
}

extension SourceRecord {
    /// Lends this record to `body` as a view.
    /// - Parameter body: Receives the view, valid only during the call.
    public func withView<Result>(_ body: (SourceRecordView) throws -> Result) rethrows -> Result {
        try Self.withOptionalBytes(key) { key in
            try Self.withOptionalBytes(value) { value in
                try body(
                    SourceRecordView(
                        offset: offset, key: key, value: value, timestampMilliseconds: timestampMilliseconds))
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
