/// Realistic message values: what the datafeed sends, and the spellings other producers use.
enum Messages {
    /// The datafeed's menu (`Sources/datafeed/Foods.swift`): fifty categories.
    static let foods: [String] = [
        "apple", "avocado", "bagel", "banana", "bread", "broccoli", "broth", "brownie", "burrito", "butter",
        "cake", "carrot", "cheese", "cherry", "chocolate", "cookie", "croissant", "crumble", "cucumber", "curry",
        "donut", "dumpling", "egg", "falafel", "fries", "granola", "hummus", "icecream", "jam", "kebab",
        "lasagna", "lemon", "mango", "mayo", "muffin", "noodles", "omelette", "pancake", "pasta", "pizza",
        "popcorn", "quiche", "ramen", "rice", "salad", "sandwich", "soup", "sushi", "taco", "waffle",
    ]

    /// The datafeed's exact format, one per food: `{"food": "sandwich"}`.
    static let datafeed: [[UInt8]] = foods.map { Array("{\"food\": \"\($0)\"}".utf8) }

    /// What other producers send: compact, padded, mixed case, extra fields, escapes and non-ASCII.
    static let mixed: [[UInt8]] = [
        #"{"food":"pizza"}"#,
        #"{ "food" : " Sandwich " }"#,
        #"{"food": "SUSHI"}"#,
        #"{"id": 48213, "food": "ramen", "ts": "2026-11-29T12:00:00Z"}"#,
        #"{"food": "cr\u00e8me br\u00fbl\u00e9e"}"#,
        #"{"food": "crème brûlée"}"#,
        "{\n  \"food\": \"cheese cake\"\n}",
        #"{"source": {"device": "till-4", "store": 12}, "food": "Falafel"}"#,
    ].map { Array($0.utf8) }
}
