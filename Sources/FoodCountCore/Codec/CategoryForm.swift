import Foundation

/// The one spelling rule every layer applies to a category before it is counted, stored or served:
/// Unicode Normalization Form C (canonical composition).
///
/// Swift's `String` compares canonically equivalent spellings as equal (NFC `"café"` equals NFD
/// `"cafe\u{301}"`), while SQLite compares `TEXT` by bytes. Without one form, a batch merges two spellings
/// that the table keeps apart, and a reader's dictionary keeps only one of the two rows. NFC, not NFKC:
/// compatibility variants such as full-width letters stay categories of their own. See
/// `docs/contract.md` ("The category rule").
public enum CategoryForm {
    /// The NFC form of a category; ASCII, which is always in NFC, is returned as it is.
    /// - Parameter category: A category in any normalization form.
    @inlinable
    public static func canonical(_ category: String) -> String {
        if isASCII(category) { return category }
        return composed(category)
    }

    /// Whether every byte of the text is ASCII, checked eight bytes at a time: a store calls ``canonical(_:)``
    /// for every category of every commit, 100,000 at high cardinality, and a byte loop over `String.UTF8View`
    /// was 4 % of the consumer's samples there (`docs/benchmarks.md`, "The consumer at high cardinality").
    @usableFromInline
    static func isASCII(_ text: String) -> Bool {
        let contiguous = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            let raw = UnsafeRawBufferPointer(bytes)
            var index = 0
            while index + 8 <= raw.count {
                if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                    return false
                }
                index += 8
            }
            while index < raw.count {
                if raw[index] >= 0x80 { return false }
                index += 1
            }
            return true
        }
        return contiguous ?? text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Whether a category is byte for byte in the form ``canonical(_:)`` gives.
    /// - Parameter category: A category.
    public static func isCanonical(_ category: String) -> Bool {
        category.utf8.elementsEqual(canonical(category).utf8)
    }

    @usableFromInline
    static func composed(_ category: String) -> String {
        category.precomposedStringWithCanonicalMapping
    }
}
