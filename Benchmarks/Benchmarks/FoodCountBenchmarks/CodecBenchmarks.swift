import Benchmark
import FoodCountCore
import Foundation

/// Codec decode cost per event, for the datafeed's messages and for a mix of other producers' spellings: the
/// project's decoder, and Foundation's `JSONSerialization` doing the same job as the baseline it is measured against.
func registerCodecBenchmarks() {
    let decoder = JSONEventDecoder()
    for (name, corpus) in [("datafeed", Messages.datafeed), ("mixed", Messages.mixed)] {
        Benchmark("Codec decode (\(name) messages)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            var index = 0
            for _ in benchmark.scaledIterations {
                let value = corpus[index]
                index = index + 1 == corpus.count ? 0 : index + 1
                blackHole(try value.withUnsafeBytes { try decoder.decode($0) })
            }
        }
        Benchmark("Codec decode (\(name) messages, JSONSerialization)", configuration: .init(scalingFactor: .kilo)) {
            benchmark in
            var index = 0
            for _ in benchmark.scaledIterations {
                let value = corpus[index]
                index = index + 1 == corpus.count ? 0 : index + 1
                blackHole(try FoundationBaseline.category(of: value))
            }
        }
    }
}

/// The obvious alternative to `JSONEventDecoder`: Foundation parses the object, and the category rule is applied to
/// its `food` string. It checks less (no duplicate keys, no depth limit, no stable error kinds), so it is a lower
/// bound on what the same checks would cost with Foundation.
enum FoundationBaseline {
    struct Invalid: Error {}

    static func category(of value: [UInt8]) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(value))
        guard let food = (object as? [String: Any])?["food"] as? String else { throw Invalid() }
        // Trimmed by scalar property: Foundation's `.whitespacesAndNewlines` also holds U+200B, which is not
        // Unicode White_Space.
        let scalars = food.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { throw Invalid() }
        let category = CategoryForm.canonical(String(scalars[first...last]).lowercased())
        guard !category.isEmpty, category.utf8.count <= 128 else { throw Invalid() }
        return category
    }
}
