import FoodCountCore
import Foundation
import Hummingbird

/// The optional filters of `GET /aggregated`: `?category=a&category=b` keeps those categories (written as
/// people write them: the category rule applies), `?top=N` keeps the N largest counts (ties by category).
/// Without them the answer is the contract's: every category.
struct AggregatedQuery: Sendable, Equatable {
    /// The largest `top` accepted.
    static let maxTop = 1_000_000

    /// A query parameter that cannot be used.
    struct Invalid: Error {
        let message: String
    }

    var categories: [String] = []
    var top: Int?

    init(_ parameters: Parameters) throws(Invalid) {
        for raw in parameters.getAll("category").map({ String($0) }) {
            do {
                categories.append(try JSONEventDecoder().category(of: raw))
            } catch {
                throw Invalid(message: "category '\(raw)': \(error.message)")
            }
        }
        categories = Array(Set(categories)).sorted()
        let tops = parameters.getAll("top")
        guard tops.count <= 1 else { throw Invalid(message: "top is given \(tops.count) times") }
        if let text = tops.first {
            guard let top = Int(text), (1...Self.maxTop).contains(top) else {
                throw Invalid(message: "top must be an integer from 1 to \(Self.maxTop), not '\(text)'")
            }
            self.top = top
        }
    }

    /// Whether the query is the default one: every category.
    var isDefault: Bool { categories.isEmpty && top == nil }

    /// The counts the query selects.
    func apply(to counts: [String: Int64]) -> [String: Int64] {
        var selected = counts
        if !categories.isEmpty {
            selected = [:]
            for category in categories { selected[category] = counts[category] }
        }
        if let top, selected.count > top {
            let kept = selected.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(top)
            selected = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        }
        return selected
    }

    /// The entity tag of this query's answer at a version of the counts: filtered answers are other
    /// representations, so they get other tags.
    func entityTag(_ version: String) -> String {
        guard !isDefault else { return "\"\(version)\"" }
        var hasher = EntityTag.Hasher()
        for category in categories { hasher.add(category + "\u{0}") }
        hasher.add("top=\(top.map(String.init) ?? "")")
        return "\"\(version)-\(String(hasher.value, radix: 16))\""
    }
}

/// HTTP entity tags (RFC 9110 §8.8.3).
enum EntityTag {
    /// Whether an `If-None-Match` value matches a tag: `*`, or one of its tags under weak comparison.
    static func matches(_ ifNoneMatch: String, _ tag: String) -> Bool {
        let wanted = opaque(tag)
        for candidate in ifNoneMatch.split(separator: ",") {
            let candidate = candidate.trimmingCharacters(in: .whitespaces)
            if candidate == "*" || opaque(candidate) == wanted { return true }
        }
        return false
    }

    private static func opaque(_ tag: String) -> Substring {
        tag.hasPrefix("W/") ? tag.dropFirst(2) : Substring(tag)
    }

    /// FNV-1a, stable across processes, for tags.
    struct Hasher {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(_ text: String) {
            for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
    }
}
