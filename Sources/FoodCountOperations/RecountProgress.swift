/// When a long recount of the log (`foodcount rebuild`, `audit`, `offsets reset --execute`) says how far it got,
/// and what it says: the decision alone, from the events read, the total expected and the time passed, so that
/// it is tested step by step without sleeping. The caller writes what it returns to standard error, verbatim.
///
/// On a terminal (``Style/bar``) a bar is redrawn in place (a carriage return, no newline) at most every
/// ``Configuration/redrawInterval``; otherwise (``Style/lines``: a pipe, a log file) one plain line
/// `recount: 1200000 of 3400000 events (35 %)` at most every ``Configuration/lineInterval``. Either ends with a
/// last line at 100 % from ``finish(done:)``.
public struct RecountProgress: Sendable {
    /// How the progress is shown.
    public enum Style: Sendable, Equatable {
        /// A bar redrawn in place, for a terminal.
        case bar
        /// Plain lines, for a pipe or a file.
        case lines
    }

    /// How often and how wide.
    public struct Configuration: Sendable, Equatable {
        /// The style.
        public var style: Style
        /// The shortest time between two redraws of the bar.
        public var redrawInterval: Duration = .milliseconds(200)
        /// The shortest time between two lines (and before the first one).
        public var lineInterval: Duration = .seconds(5)
        /// The bar's width in characters, between its brackets.
        public var barWidth = 30

        /// The defaults, in the given style.
        public init(style: Style) {
            self.style = style
        }
    }

    /// How many events the recount is expected to read (an estimate from offsets: compacted records and
    /// transaction markers are never read).
    public let total: Int64
    /// How often and how wide.
    public let configuration: Configuration
    /// When the last report was made (time passed since the recount started); `nil` before the first.
    private var lastReport: Duration?
    /// Whether ``finish(done:)`` was called.
    private var finished = false

    /// Starts.
    /// - Parameters:
    ///   - total: How many events the recount is expected to read.
    ///   - configuration: How often and how wide.
    public init(total: Int64, configuration: Configuration) {
        self.total = max(0, total)
        self.configuration = configuration
    }

    /// What to write now, if anything.
    /// - Parameters:
    ///   - done: How many events were read so far.
    ///   - elapsed: How long since the recount started.
    /// - Returns: The text to write to standard error as it is, or `nil`.
    public mutating func update(done: Int64, elapsed: Duration) -> String? {
        guard !finished else { return nil }
        switch configuration.style {
        case .bar:
            if let lastReport, elapsed - lastReport < configuration.redrawInterval { return nil }
            lastReport = elapsed
            return "\r" + bar(done: done, total: max(total, done)) + "\u{1B}[K"
        case .lines:
            guard elapsed - (lastReport ?? .zero) >= configuration.lineInterval else { return nil }
            lastReport = elapsed
            return Self.line(done: done, total: max(total, done)) + "\n"
        }
    }

    /// What to write when the recount is done: the last report, at 100 % (the recount read everything there
    /// was, whatever the estimate said). Once; `nil` afterwards.
    /// - Parameter done: How many events were read.
    public mutating func finish(done: Int64) -> String? {
        guard !finished else { return nil }
        finished = true
        switch configuration.style {
        case .bar: return "\r" + bar(done: done, total: done) + "\u{1B}[K\n"
        case .lines: return Self.line(done: done, total: done) + "\n"
        }
    }

    /// One plain line: `recount: 1200000 of 3400000 events (35 %)`.
    public static func line(done: Int64, total: Int64) -> String {
        "recount: \(done) of \(total) events (\(percent(done: done, total: total)) %)"
    }

    /// Whole percent, rounded down, at most 100; 100 for an empty total.
    public static func percent(done: Int64, total: Int64) -> Int64 {
        guard total > 0 else { return 100 }
        return min(100, max(0, done) * 100 / total)
    }

    private func bar(done: Int64, total: Int64) -> String {
        let width = Int64(max(1, configuration.barWidth))
        let filled = total > 0 ? min(width, max(0, done) * width / total) : width
        let cells = String(repeating: "#", count: Int(filled)) + String(repeating: ".", count: Int(width - filled))
        return "recount [\(cells)] \(Self.percent(done: done, total: total)) % \(done) of \(total) events"
    }
}
