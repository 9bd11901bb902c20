/// An error from a ``CountStore`` or ``CountReader``, with a stable code and context.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The stable string form of the code.
        public let rawValue: String
        /// Creates a code from its stable string form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The stable string form of the code.
        public var description: String { rawValue }

        /// The database is busy or locked by another connection; retrying later helps.
        public static let busy = Code(rawValue: "busy")
        /// The disk or file system failed, or is full; retrying later may help.
        public static let io = Code(rawValue: "io")
        /// The database file or its folder cannot be written.
        public static let readOnly = Code(rawValue: "read_only")
        /// The database does not exist or cannot be opened.
        public static let unavailable = Code(rawValue: "unavailable")
        /// The database is not a database or is corrupt.
        public static let corrupt = Code(rawValue: "corrupt")
        /// The schema is not the contract's, or the journal mode cannot give atomic commits.
        public static let incompatible = Code(rawValue: "incompatible")
        /// Another consumer moved a partition's offset on: this batch is stale and must be dropped.
        public static let fenced = Code(rawValue: "fenced")
        /// The counts and the consumer's bookkeeping do not belong together (a lost, replaced or foreign
        /// offsets file, a restored counts database, a renamed consumer group): counting on would count
        /// events twice or skip them, so the store refuses. See `docs/operations.md`.
        public static let inconsistent = Code(rawValue: "inconsistent")
        /// A file was switched to a journal mode in which counts and offsets cannot commit atomically (WAL)
        /// while the consumer ran. Nothing is committed until it is switched back; retrying helps then.
        public static let notAtomic = Code(rawValue: "not_atomic")
        /// The commit may or may not have been written (the connection ended while it was committing).
        /// Retrying is safe: a retry of a batch that was written is fenced.
        public static let outcomeUnknown = Code(rawValue: "outcome_unknown")
        /// Anything else.
        public static let other = Code(rawValue: "other")
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation.
    public let message: String
    /// The partitions concerned (for ``Code/fenced``).
    public let partitions: [SourcePartition]
    /// The backend's own error behind this one, with the details only that backend knows (for `SQLiteStore`,
    /// a `SQLiteError` with SQLite's extended result code and the statement), when there is one. Code that
    /// handles store errors decides by ``code``; this is for logs and diagnosis.
    public let underlying: (any Error & Sendable)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: A human-readable explanation.
    ///   - partitions: The partitions concerned (for ``Code/fenced``).
    ///   - underlying: The backend's own error, kept for diagnosis.
    public init(
        code: Code,
        message: String,
        partitions: [SourcePartition] = [],
        underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.partitions = partitions
        self.underlying = underlying
    }

    /// Whether waiting and retrying may succeed: a bad moment rather than a bad setup.
    public var isTransient: Bool {
        code == .busy || code == .io || code == .readOnly || code == .unavailable || code == .notAtomic
            || code == .outcomeUnknown
    }

    /// A one-line description with the code and its context, ending with the underlying error's description.
    public var description: String {
        var text = "StoreError(\(code)): \(message)"
        if let underlying { text += " \(underlying)" }
        if !partitions.isEmpty { text += " partitions=\(partitions.sorted())" }
        return text
    }

    /// Whether two errors have the same code, message and partitions, and underlying errors described alike.
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.partitions == rhs.partitions
            && lhs.underlyingDescription == rhs.underlyingDescription
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(partitions)
        hasher.combine(underlyingDescription)
    }

    private var underlyingDescription: String? { underlying.map { String(reflecting: $0) } }
}
