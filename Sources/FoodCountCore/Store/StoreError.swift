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
        /// Anything else.
        public static let other = Code(rawValue: "other")
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation.
    public let message: String
    /// The SQL statement concerned, when there is one.
    public let sql: String?
    /// The underlying engine's result code (for SQLite, the extended result code), when there is one.
    public let resultCode: Int32?
    /// The partitions concerned (for ``Code/fenced``).
    public let partitions: [SourcePartition]

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        sql: String? = nil,
        resultCode: Int32? = nil,
        partitions: [SourcePartition] = []
    ) {
        self.code = code
        self.message = message
        self.sql = sql
        self.resultCode = resultCode
        self.partitions = partitions
    }

    /// Whether waiting and retrying may succeed: a bad moment rather than a bad setup.
    public var isTransient: Bool {
        code == .busy || code == .io || code == .readOnly || code == .unavailable || code == .notAtomic
    }

    /// A one-line description with the code and its context.
    public var description: String {
        var text = "StoreError(\(code)): \(message)"
        if let resultCode { text += " [code \(resultCode)]" }
        if let sql { text += " sql=\(sql)" }
        if !partitions.isEmpty { text += " partitions=\(partitions.sorted())" }
        return text
    }
}
