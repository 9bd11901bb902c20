/// The datafeed's fixed menu: about fifty foods, as the original feed had.
enum Foods {
    static let all: [String] = [
        "apple", "avocado", "bagel", "banana", "bread", "broccoli", "broth", "brownie", "burrito", "butter",
        "cake", "carrot", "cheese", "cherry", "chocolate", "cookie", "croissant", "crumble", "cucumber", "curry",
        "donut", "dumpling", "egg", "falafel", "fries", "granola", "hummus", "icecream", "jam", "kebab",
        "lasagna", "lemon", "mango", "mayo", "muffin", "noodles", "omelette", "pancake", "pasta", "pizza",
        "popcorn", "quiche", "ramen", "rice", "salad", "sandwich", "soup", "sushi", "taco", "waffle",
    ]
}
