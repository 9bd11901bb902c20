/// One food event read from the feed: somebody ate something of a given category.
///
/// Decoders produce categories that are already normalized (trimmed of whitespace, lowercased, non-empty), so two
/// events with the same category always count towards the same bucket.
public struct FoodEvent: Sendable, Hashable {
    /// The normalized food category, for example `"sandwich"` or `"crème brûlée"`.
    public let category: String

    /// Creates an event for a category.
    ///
    /// The category is stored as given; normalization is the job of the decoder that produced it.
    ///
    /// - Parameter category: The normalized food category.
    public init(category: String) {
        self.category = category
    }
}
