extension JSONEventDecoder {
    /// The category that `text` stands for under the category rule (trimmed, lowercased, NFC, 1 to the
    /// configured number of bytes): what an event whose field holds `text` counts as. For queries by category.
    /// - Parameter text: A category as a person writes it.
    /// - Throws: ``EventDecodingError`` with kind `empty_category` or `category_too_long`.
    public func category(of text: String) throws(EventDecodingError) -> String {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(EventDecodingError) -> String in try normalizedCategory(buffer, valueOffset: 0) }
        }
        return try result.get()
    }

    /// Produces the normalized category from the category field's string contents.
    ///
    /// Strings without escapes are normalized straight from the input; escaped ones are first unescaped into a
    /// temporary (stack) buffer, so the only allocation is the resulting `String`, and none for short ASCII categories.
    func category(
        of token: StringToken,
        in base: UnsafeRawPointer,
        valueOffset: Int
    ) throws(EventDecodingError) -> String {
        let length = token.end &- token.start
        guard token.hasEscapes else {
            let contents = UnsafeRawBufferPointer(start: base.advanced(by: token.start), count: length)
            return try normalizedCategory(contents, valueOffset: valueOffset)
        }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) {
            buffer throws(EventDecodingError) -> String in
            let written = Self.unescape(token, in: base, into: buffer)
            let contents = UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[..<written]))
            return try normalizedCategory(contents, valueOffset: valueOffset)
        }
    }

    /// Trims Unicode whitespace from both ends of valid UTF-8 bytes, lowercases the rest, composes it to NFC
    /// (``CategoryForm``) and applies the length limit.
    func normalizedCategory(_ bytes: UnsafeRawBufferPointer, valueOffset: Int) throws(EventDecodingError) -> String {
        var lower = 0
        var upper = bytes.count
        while lower < upper {
            let b = bytes[lower]
            if b < 0x80 {
                guard Self.isASCIIWhitespace(b) else { break }
                lower &+= 1
            } else {
                let (scalar, length) = Self.decodeScalar(bytes, at: lower)
                guard scalar.properties.isWhitespace else { break }
                lower &+= length
            }
        }
        while upper > lower {
            let b = bytes[upper &- 1]
            if b < 0x80 {
                guard Self.isASCIIWhitespace(b) else { break }
                upper &-= 1
            } else {
                var start = upper &- 1
                while start > lower && bytes[start] & 0xC0 == 0x80 { start &-= 1 }
                let (scalar, _) = Self.decodeScalar(bytes, at: start)
                guard scalar.properties.isWhitespace else { break }
                upper = start
            }
        }
        guard lower < upper else {
            throw fieldError(.emptyCategory, "is empty after trimming whitespace", at: valueOffset)
        }
        let trimmed = UnsafeRawBufferPointer(rebasing: bytes[lower..<upper])

        var combined: UInt8 = 0
        for b in trimmed { combined |= b }
        if combined < 0x80 {
            let count = trimmed.count
            guard count <= configuration.maxCategoryBytes else { throw categoryTooLong(count, at: valueOffset) }
            return String(unsafeUninitializedCapacity: count) { output in
                for index in 0..<count {
                    let b = trimmed[index]
                    output[index] = b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b
                }
                return count
            }
        }
        let lowered = CategoryForm.composed(String(decoding: trimmed, as: UTF8.self).lowercased())
        let count = lowered.utf8.count
        guard count <= configuration.maxCategoryBytes else { throw categoryTooLong(count, at: valueOffset) }
        return lowered
    }

    @inline(never)
    private func categoryTooLong(_ count: Int, at offset: Int) -> EventDecodingError {
        EventDecodingError(
            kind: .categoryTooLong,
            message: "category is \(count) UTF-8 bytes after normalization, the limit is "
                + "\(configuration.maxCategoryBytes)",
            byteOffset: offset
        )
    }

    /// Whether an ASCII byte is Unicode White_Space: tab, line feed, vertical tab, form feed, carriage return, space.
    @inline(__always)
    static func isASCIIWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b &- 0x09 < 5
    }

    /// Decodes the scalar starting at `offset` in valid UTF-8 and returns it with its encoded length.
    ///
    /// Malformed input, which validation rules out, yields U+FFFD with length 1 instead of trapping.
    static func decodeScalar(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[offset]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        guard lead >= 0xC2 else { return ("\u{FFFD}", 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard length <= bytes.count &- offset else { return ("\u{FFFD}", 1) }
        var value = UInt32(lead & (0x7F &>> UInt8(length)))
        for index in 1..<length {
            value = value &<< 6 | UInt32(bytes[offset &+ index] & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}
