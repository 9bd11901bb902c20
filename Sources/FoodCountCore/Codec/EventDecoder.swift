/// Turns raw Kafka message values into ``FoodEvent``s.
///
/// Implementations must never crash on any input: every failure is reported as an ``EventDecodingError``.
public protocol EventDecoder: Sendable {
    /// Decodes one message value.
    ///
    /// - Parameter value: The raw bytes of the message value, or `nil` for a tombstone (a Kafka null value). The
    ///   buffer is only borrowed for the duration of the call.
    /// - Returns: The decoded event.
    /// - Throws: ``EventDecodingError`` describing why the value is not a valid event.
    func decode(_ value: UnsafeRawBufferPointer?) throws(EventDecodingError) -> FoodEvent

    /// Whether equal bytes always decode to the same event (no clock, no state). The pipeline then
    /// remembers the events of repeated values instead of decoding them again. The default is `false`.
    var isDeterministic: Bool { get }
}

extension EventDecoder {
    /// Not promised: decoders must opt in to memoization.
    public var isDeterministic: Bool { false }

    /// Decodes one message value held in an array.
    ///
    /// - Parameter value: The bytes of the message value, or `nil` for a tombstone.
    /// - Returns: The decoded event.
    /// - Throws: ``EventDecodingError`` describing why the value is not a valid event.
    public func decode(_ value: [UInt8]?) throws(EventDecodingError) -> FoodEvent {
        guard let value else {
            return try decode(nil as UnsafeRawBufferPointer?)
        }
        let result = value.withUnsafeBytes { buffer in
            Result { () throws(EventDecodingError) -> FoodEvent in try decode(buffer) }
        }
        return try result.get()
    }

    /// Decodes one message value given as text; its UTF-8 encoding is decoded.
    ///
    /// - Parameter value: The message value.
    /// - Returns: The decoded event.
    /// - Throws: ``EventDecodingError`` describing why the value is not a valid event.
    public func decode(_ value: String) throws(EventDecodingError) -> FoodEvent {
        var value = value
        let result = value.withUTF8 { buffer in
            Result { () throws(EventDecodingError) -> FoodEvent in try decode(UnsafeRawBufferPointer(buffer)) }
        }
        return try result.get()
    }
}
