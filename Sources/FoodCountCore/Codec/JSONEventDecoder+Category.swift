extension JSONEventDecoder {
    /// The category that `text` stands for under the category rule (trimmed, lowercased, NFC, 1 to the
    /// configured number of bytes): what an event whose field holds `text` counts as. For queries by category.
    /// - Parameter text: A category as a person writes it.
    /// - Throws: ``EventDecodingError`` with kind `empty_category` or `category_too_long`.
    public func category(of text: String) throws(EventDecodingError) -> String {
        try Array(text.utf8).withUnsafeBufferPointer { bytes throws(EventDecodingError) in
            try normalizedCategory(UnsafeRawBufferPointer(bytes), valueOffset: 0)
        }
    }

    /// Trims Unicode whitespace from both ends of valid UTF-8 bytes, lowercases the rest, composes it to NFC
    /// (``CategoryForm``) and applies the length limit. ASCII, the common case, needs no `String` but the result.
    func normalizedCategory(_ bytes: UnsafeRawBufferPointer, valueOffset: Int) throws(EventDecodingError) -> String {
        // Unicode White_Space; in ASCII: tab, line feed, vertical tab, form feed, carriage return and space.
        let isSpace = { (s: Unicode.Scalar) in
            s.isASCII ? s.value == 0x20 || s.value &- 0x09 < 5 : s.properties.isWhitespace
        }
        var combined: UInt8 = 0
        for b in bytes { combined |= b }
        guard combined >= 0x80 else {
            guard let first = bytes.firstIndex(where: { !isSpace(Unicode.Scalar($0)) }),
                let last = bytes.lastIndex(where: { !isSpace(Unicode.Scalar($0)) })
            else { throw fieldError(.emptyCategory, "is empty after trimming whitespace", at: valueOffset) }
            let count = last &- first &+ 1
            guard count <= configuration.maxCategoryBytes else { throw categoryTooLong(count, at: valueOffset) }
            return String(unsafeUninitializedCapacity: count) { output in
                for index in 0..<count {
                    let b = bytes[first &+ index]
                    output[index] = b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b
                }
                return count
            }
        }
        let scalars = String(decoding: bytes, as: UTF8.self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { throw fieldError(.emptyCategory, "is empty after trimming whitespace", at: valueOffset) }
        let lowered = CategoryForm.composed(Substring(scalars[first...last]).lowercased())
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
}
