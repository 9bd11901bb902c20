import FoodCountSettings

/// The datafeed's fixed menu: about fifty foods, as the original feed had.
enum Foods {
    static let all: [String] = [
        "apple", "avocado", "bagel", "banana", "bread", "broccoli", "broth", "brownie", "burrito", "butter",
        "cake", "carrot", "cheese", "cherry", "chocolate", "cookie", "croissant", "crumble", "cucumber", "curry",
        "donut", "dumpling", "egg", "falafel", "fries", "granola", "hummus", "icecream", "jam", "kebab",
        "lasagna", "lemon", "mango", "mayo", "muffin", "noodles", "omelette", "pancake", "pasta", "pizza",
        "popcorn", "quiche", "ramen", "rice", "salad", "sandwich", "soup", "sushi", "taco", "waffle",
    ]

    /// The most categories `generated(_:)` makes.
    static let maxGenerated = SettingCatalog.maxGeneratedCategories

    /// `count` distinct categories for load tests at high cardinality: `category-000000` and on, each padded
    /// to a length between 15 and 55 bytes that varies from one to the next (as real names do).
    static func generated(_ count: Int) -> [String] {
        let padding = Array("-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        return (0..<count).map { index in
            let name = "category-" + String(repeating: "0", count: max(0, 6 - String(index).count)) + String(index)
            let extra = (index &* 7_919) % 41
            return name + String(decoding: padding.prefix(extra), as: UTF8.self)
        }
    }
}
