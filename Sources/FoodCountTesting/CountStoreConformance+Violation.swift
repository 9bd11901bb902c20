extension CountStoreConformance {
    /// A rule a backend broke: which check, what it found, and where in the suite.
    public struct Violation: Error, Sendable, CustomStringConvertible {
        /// The check that found it; `nil` only inside a check, before the suite names it.
        public let check: Check?
        /// What the check found.
        public let message: String
        /// The suite's source file of the expectation that failed.
        public let file: String
        /// The line of that expectation.
        public let line: Int

        /// Creates a violation.
        /// - Parameters:
        ///   - check: The check that found it.
        ///   - message: What it found.
        ///   - file: The expectation's source file.
        ///   - line: The expectation's line.
        public init(check: Check?, message: String, file: String = #fileID, line: Int = #line) {
            self.check = check
            self.message = message
            self.file = file
            self.line = line
        }

        /// The check, its rule and what it found.
        public var description: String {
            guard let check else { return "\(message) (\(file):\(line))" }
            return "\(check.rawValue): \(check.rule) Found: \(message) (\(file):\(line))"
        }
    }

    /// Every rule a backend broke in ``CountStoreConformance/verifyAll()``.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The violations, one per broken check, in the order of `Check.allCases`.
        public let violations: [Violation]

        /// Lists the violations, one a line.
        public var description: String {
            "the store broke \(violations.count) rule(s) of the CountStore contract:\n"
                + violations.map { "- \($0)" }.joined(separator: "\n")
        }
    }
}
