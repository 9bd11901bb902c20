/// A record that cannot be counted, on its way to the dead-letter topic with the reason.
public struct DeadLetter: Sendable, Hashable {
    /// The record as it was read: key, value and headers are kept as they were.
    public var record: SourceRecord
    /// Why it cannot be counted.
    public var error: EventDecodingError
    /// When it was rejected, in milliseconds since the epoch.
    public var rejectedAtMilliseconds: Int64

    /// Creates a dead letter.
    /// - Parameters:
    ///   - record: The rejected record.
    ///   - error: Why it was rejected.
    ///   - rejectedAtMilliseconds: When, in milliseconds since the epoch.
    public init(record: SourceRecord, error: EventDecodingError, rejectedAtMilliseconds: Int64) {
        self.record = record
        self.error = error
        self.rejectedAtMilliseconds = rejectedAtMilliseconds
    }
}
