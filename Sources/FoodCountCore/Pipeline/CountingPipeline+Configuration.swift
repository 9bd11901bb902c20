extension CountingPipeline {
    /// What a partition whose log is a new one (its topic ID changed since its offset was stored, or while
    /// the pipeline ran) does. No rule can tell a topic recreated empty from a copy of the old log with a new
    /// ID (MirrorMaker 2 keeps the name and gives a new ID): counting a copy counts its events twice.
    public enum NewLogPolicy: String, Sendable, CaseIterable {
        /// Count the new log from its beginning, with a warning that names both topic IDs.
        case count
        /// Stop with an error that names both topic IDs; `foodcount rebuild` recounts from the log.
        case refuse
    }

    /// What the pipeline does with an event that cannot be counted (not JSON, no `food`, a category that is
    /// not valid): Kafka Connect's `errors.tolerance`.
    public enum ErrorTolerance: String, Sendable, CaseIterable {
        /// Skip it and send it to the dead-letter sink (only log it without one); counting goes on.
        case deadLetter = "dead-letter"
        /// Stop on the first such event, like Connect's `errors.tolerance=none`: nothing of the pending batch
        /// is committed, and the event is read again at the next start.
        case stop
    }

    /// Batching and retry settings.
    public struct Configuration: Sendable {
        /// Flush when the batch holds this many records. While the previous batch is still committing, a due
        /// batch keeps filling, up to ``maxPendingEvents``, and commits as soon as that commit is done.
        public var maxBatchEvents: Int
        /// Flush when the oldest record in the batch is this old.
        public var maxBatchDelay: Duration
        /// Flush as soon as the stream pauses, rather than wait for the size or age rule, which would only
        /// delay the counts. The stream has paused when the source reports every partition read to its end
        /// (``EventSource/isCaughtUp``; such commits are spaced by this delay at least), or when a poll of this
        /// long brings nothing. `nil` waits for the size and age rules.
        public var idleFlushDelay: Duration?
        /// The longest a poll blocks when idle.
        public var pollTimeout: Duration
        /// The most records one poll returns.
        public var pollBatchSize: Int
        /// Backoff for transient store failures.
        public var retry: RetryPolicy
        /// How long commits may keep failing before consumption pauses and the pipeline reports not ready.
        public var retryBudget: Duration
        /// How long a revocation keeps retrying a failing commit before dropping the revoked work.
        public var revocationRetryBudget: Duration
        /// How long the final flush keeps retrying a failing store during shutdown.
        public var shutdownRetryBudget: Duration
        /// How long a commit from the run loop waits for the dead-letter sink's acknowledgements (a stop
        /// request ends the wait sooner; revocation and shutdown flushes wait no longer than their budgets).
        public var deadLetterTimeout: Duration
        /// What a partition whose log is a new one does.
        public var onNewLog: NewLogPolicy
        /// What an event that cannot be counted does.
        public var errorTolerance: ErrorTolerance

        /// Creates a configuration.
        /// - Parameters:
        ///   - maxBatchEvents: Flush at this many records.
        ///   - maxBatchDelay: Flush when the oldest record is this old.
        ///   - idleFlushDelay: Flush when the source is caught up (at most once per this delay), or when a
        ///     poll this long brings nothing; `nil` never.
        ///   - pollTimeout: The longest an idle poll blocks.
        ///   - pollBatchSize: The most records per poll.
        ///   - retry: Backoff for transient store failures.
        ///   - retryBudget: How long commits may fail before pausing and reporting not ready.
        ///   - revocationRetryBudget: How long a revocation retries a failing commit.
        ///   - shutdownRetryBudget: How long to retry the final flush.
        ///   - deadLetterTimeout: How long a commit from the run loop waits for dead-letter acknowledgements.
        ///   - onNewLog: What a partition whose log is a new one does.
        ///   - errorTolerance: What an event that cannot be counted does.
        public init(
            maxBatchEvents: Int = 100_000,
            maxBatchDelay: Duration = .milliseconds(200),
            idleFlushDelay: Duration? = .milliseconds(20),
            pollTimeout: Duration = .milliseconds(500),
            pollBatchSize: Int = 2_000,
            retry: RetryPolicy = RetryPolicy(),
            retryBudget: Duration = .seconds(10),
            revocationRetryBudget: Duration = .seconds(5),
            shutdownRetryBudget: Duration = .seconds(5),
            deadLetterTimeout: Duration = .seconds(30),
            onNewLog: NewLogPolicy = .count,
            errorTolerance: ErrorTolerance = .deadLetter
        ) {
            self.maxBatchEvents = max(1, maxBatchEvents)
            self.maxBatchDelay = maxBatchDelay
            self.idleFlushDelay = idleFlushDelay
            self.pollTimeout = pollTimeout
            self.pollBatchSize = max(1, pollBatchSize)
            self.retry = retry
            self.retryBudget = retryBudget
            self.revocationRetryBudget = revocationRetryBudget
            self.shutdownRetryBudget = shutdownRetryBudget
            self.deadLetterTimeout = deadLetterTimeout
            self.onNewLog = onNewLog
            self.errorTolerance = errorTolerance
        }

        /// The most records a due batch holds while the previous batch is still committing: ten batches.
        /// Past it, the pipeline stops polling until that commit is done. A batch costs the same memory
        /// whatever its size (a count per category), so this bounds only the records read again after a
        /// crash, and the dead letters held.
        public var maxPendingEvents: Int { maxBatchEvents <= Int.max / 10 ? maxBatchEvents * 10 : .max }

        /// The largest ``maxBatchEvents`` the programs accept (`BATCH_SIZE`); the batch-size histogram's
        /// buckets reach the largest batch it allows (``maxPendingEvents``).
        public static let maxBatchEventsLimit = 100_000_000
    }
}
