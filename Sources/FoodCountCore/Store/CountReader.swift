/// Reads the counts served by the API.
///
/// Only ``counts()`` is required. The rest have defaults built on it, so that a reader of another database
/// works unchanged; the SQLite and PostgreSQL readers answer them with bounded queries instead, relying on
/// the stores' rule of one canonical row per category (``CategoryForm``).
public protocol CountReader: Sendable {
    /// All counts by category.
    func counts() async throws(StoreError) -> [String: Int64]

    /// All counts by category, with a version that changes whenever they may have changed (an HTTP entity
    /// tag). The default has no version.
    func versionedCounts() async throws(StoreError) -> (counts: [String: Int64], version: String?)

    /// The version ``versionedCounts()`` would give now, read without the counts; `nil` when the reader keeps
    /// none. The default keeps none.
    func currentVersion() async throws(StoreError) -> String?

    /// Every count in the order of its category's UTF-8 bytes, with the version: what `GET /aggregated`
    /// encodes. The default sorts ``versionedCounts()``.
    func sortedCounts() async throws(StoreError) -> (counts: SortedCounts, version: String?)

    /// The counts of these canonical categories (those without a count are left out), with the version.
    /// The default filters ``versionedCounts()``.
    /// - Parameter categories: Categories in their canonical form.
    func versionedCounts(of categories: [String]) async throws(StoreError) -> (
        counts: [String: Int64], version: String?
    )

    /// The `limit` largest counts, ties broken by category (in UTF-8 byte order), with the version. The
    /// default sorts ``versionedCounts()``.
    /// - Parameter limit: How many, at least 1.
    func largestCounts(_ limit: Int) async throws(StoreError) -> (counts: [String: Int64], version: String?)

    /// Throws when the counts cannot be read now (for readiness), without reading them all. The default reads
    /// ``currentVersion()`` and, when the reader keeps none, ``counts()``.
    func checkReadable() async throws(StoreError)
}

extension CountReader {
    /// Implements ``CountReader/versionedCounts()`` for readers that keep no version.
    public func versionedCounts() async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        (try await counts(), nil)
    }

    /// Implements ``CountReader/currentVersion()`` for readers that keep no version.
    public func currentVersion() async throws(StoreError) -> String? { nil }

    /// Implements ``CountReader/sortedCounts()`` by sorting ``CountReader/versionedCounts()``.
    public func sortedCounts() async throws(StoreError) -> (counts: SortedCounts, version: String?) {
        let (counts, version) = try await versionedCounts()
        return (SortedCounts(counts), version)
    }

    /// Implements ``CountReader/versionedCounts(of:)`` by filtering ``CountReader/versionedCounts()``.
    public func versionedCounts(of categories: [String]) async throws(StoreError) -> (
        counts: [String: Int64], version: String?
    ) {
        let (counts, version) = try await versionedCounts()
        var selected: [String: Int64] = [:]
        for category in categories { selected[category] = counts[category] }
        return (selected, version)
    }

    /// Implements ``CountReader/largestCounts(_:)`` by sorting ``CountReader/versionedCounts()``.
    public func largestCounts(_ limit: Int) async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        let (counts, version) = try await versionedCounts()
        return (SortedCounts.largest(counts, limit: limit), version)
    }

    /// Implements ``CountReader/checkReadable()`` with ``CountReader/currentVersion()``, or ``CountReader/counts()``.
    public func checkReadable() async throws(StoreError) {
        if try await currentVersion() == nil { _ = try await counts() }
    }
}
