extension CountStoreConformance {
    /// One rule of the `CountStore` contract, checked on fresh storage. The raw value is stable.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        /// A commit adds its deltas to the counts and stores its offsets and log IDs, batch after batch.
        case deltasAndOffsetsCommitTogether
        /// A fenced batch writes none of its deltas and none of its offsets.
        case aFencedBatchWritesNothing
        /// With no stored row, a first commit stores one; a second first commit, or a batch expecting a row
        /// that is not there, is fenced.
        case aFirstCommitIsFencedUnlessItFindsNoStoredRow
        /// A batch expecting an offset that another member moved on is fenced, for its stale partitions only;
        /// the member then continues from the stored offset.
        case aBatchIsFencedWhenAnotherMemberMovedTheOffsetOn
        /// Every commit adds one to a partition's version; a batch that expects another version, or another
        /// log, is fenced even where the offset matches (a member that slept while the offset went on and
        /// came back, or while the topic was recreated).
        case aBatchIsFencedWhenItsVersionOrLogIsStale
        /// Each partition's counted total (`StoredPosition.counted`) starts with its first commit and grows by
        /// every later commit's `counted`, with the offset; a fenced batch adds to none, and the totals survive a
        /// reopen.
        case countedTotalsAccumulateWithTheOffsets
        /// Stored offsets, log IDs and counts are there after the store is closed and opened again.
        case storedOffsetsSurviveAReopen
        /// A commit that waits for another connection's lock fails as `busy` (transient) and writes nothing;
        /// retried on the same store once the lock is released, it succeeds.
        case aLockedStoreFailsAsBusyAndARetrySucceeds
        /// Storage that cannot be written fails as `read_only` (transient) and writes nothing.
        case aReadOnlyStoreFailsAsReadOnlyAndWritesNothing
        /// Damaged storage fails as `corrupt` (not transient) and writes nothing.
        case aCorruptStoreFailsAsCorruptAndWritesNothing

        /// The rule in one sentence.
        public var rule: String {
            switch self {
            case .deltasAndOffsetsCommitTogether:
                "A commit adds its deltas to the counts and stores its offsets and log IDs, batch after batch."
            case .aFencedBatchWritesNothing:
                "A fenced batch writes none of its deltas and none of its offsets."
            case .aFirstCommitIsFencedUnlessItFindsNoStoredRow:
                "A first commit (expected nil) stores a row only where there is none; a batch expecting a row "
                    + "that is not there is fenced."
            case .aBatchIsFencedWhenAnotherMemberMovedTheOffsetOn:
                "A batch expecting an offset another member moved on is fenced, for its stale partitions only."
            case .aBatchIsFencedWhenItsVersionOrLogIsStale:
                "Every commit adds one to a partition's version; a batch expecting another version or another log "
                    + "is fenced even where the offset matches."
            case .countedTotalsAccumulateWithTheOffsets:
                "A partition's counted total starts with its first commit and grows with every commit's counted "
                    + "events, with the offset; a fenced batch adds to no total."
            case .storedOffsetsSurviveAReopen:
                "Stored offsets, log IDs and counts survive closing and opening the store again."
            case .aLockedStoreFailsAsBusyAndARetrySucceeds:
                "A commit blocked by another connection's lock fails as busy, writes nothing, and succeeds "
                    + "when retried after the lock is released."
            case .aReadOnlyStoreFailsAsReadOnlyAndWritesNothing:
                "Storage that cannot be written fails as read_only and writes nothing."
            case .aCorruptStoreFailsAsCorruptAndWritesNothing:
                "Damaged storage fails as corrupt, not transient, and writes nothing."
            }
        }

        /// The check's name.
        public var description: String { rawValue }
    }
}
