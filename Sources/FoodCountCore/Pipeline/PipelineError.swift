/// An error of the counting pipeline itself (not of its store or its source), with a stable code and context.
public struct PipelineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The stable string form of the code.
        public let rawValue: String
        /// Creates a code from its stable string form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The stable string form of the code.
        public var description: String { rawValue }

        /// A partition's log is a new one since its offset was stored (its topic ID changed), and the
        /// configuration refuses new logs (`CountingPipeline.NewLogPolicy.refuse`).
        public static let newLogRefused = Code(rawValue: "new_log_refused")
        /// An event cannot be counted, and the configuration stops on such events
        /// (`CountingPipeline.ErrorTolerance.stop`).
        public static let untolerated = Code(rawValue: "untolerated")
        /// A rule of the pipeline was broken; a bug.
        public static let `internal` = Code(rawValue: "internal")
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation.
    public let message: String
    /// The partitions concerned.
    public let partitions: [SourcePartition]

    /// Creates an error.
    public init(code: Code, message: String, partitions: [SourcePartition] = []) {
        self.code = code
        self.message = message
        self.partitions = partitions
    }

    /// A one-line description with the code and its context.
    public var description: String {
        "PipelineError(\(code)): \(message)" + (partitions.isEmpty ? "" : " partitions=\(partitions.sorted())")
    }
}
