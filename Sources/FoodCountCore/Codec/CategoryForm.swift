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
        if category.utf8.allSatisfy({ $0 < 0x80 }) { return category }
        return composed(category)
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
