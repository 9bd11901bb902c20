import FoodCountCore

// The checks. Each sees the storage only through `CountStore` and `Storage`, and closes every store it opens.
extension CountStoreConformance.Check {
    private static let p0 = SourcePartition(topic: "conformance", partition: 0)
    private static let p1 = SourcePartition(topic: "conformance", partition: 1)
    private static let p2 = SourcePartition(topic: "conformance", partition: 2)

    /// Runs the check; throws a ``CountStoreConformance/Violation`` (without its check) when the rule is broken.
    func run(on storage: CountStoreConformance.Storage) async throws {
        let probe = Probe(storage: storage)
        switch self {
        case .deltasAndOffsetsCommitTogether: try await probe.deltasAndOffsetsCommitTogether()
        case .aFencedBatchWritesNothing: try await probe.aFencedBatchWritesNothing()
        case .aFirstCommitIsFencedUnlessItFindsNoStoredRow:
            try await probe.aFirstCommitIsFencedUnlessItFindsNoStoredRow()
        case .aBatchIsFencedWhenAnotherMemberMovedTheOffsetOn:
            try await probe.aBatchIsFencedWhenAnotherMemberMovedTheOffsetOn()
        case .aBatchIsFencedWhenItsVersionOrLogIsStale: try await probe.aBatchIsFencedWhenItsVersionOrLogIsStale()
        case .countedTotalsAccumulateWithTheOffsets: try await probe.countedTotalsAccumulateWithTheOffsets()
        case .storedOffsetsSurviveAReopen: try await probe.storedOffsetsSurviveAReopen()
        case .aLockedStoreFailsAsBusyAndARetrySucceeds: try await probe.aLockedStoreFailsAsBusyAndARetrySucceeds()
        case .aReadOnlyStoreFailsAsReadOnlyAndWritesNothing:
            try await probe.unwritableStorageFails(as: .readOnly, transient: true)
        case .aCorruptStoreFailsAsCorruptAndWritesNothing:
            try await probe.unwritableStorageFails(as: .corrupt, transient: false)
        }
    }

    /// The checks' steps and expectations over one storage.
    private struct Probe {
        let storage: CountStoreConformance.Storage
        private var p0: SourcePartition { CountStoreConformance.Check.p0 }
        private var p1: SourcePartition { CountStoreConformance.Check.p1 }
        private var p2: SourcePartition { CountStoreConformance.Check.p2 }

        func deltasAndOffsetsCommitTogether() async throws {
            try await withStore { store in
                try store.commit(
                    CountBatch(
                        deltas: ["soup": 3, "taco": 1],
                        offsets: [
                            p0: .init(expected: nil, next: 10, logID: "log-a"),
                            p1: .init(expected: nil, next: 4, logID: "log-a"),
                        ],
                        eventCount: 14))
                try store.commit(
                    CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: 10, next: 12)], eventCount: 2))
                // A batch of invalid events only: offsets without deltas.
                try store.commit(CountBatch(offsets: [p1: .init(expected: 4, next: 6, logID: "log-b")], eventCount: 2))

                try expectEqual(
                    try store.storedOffsets(for: [p0, p1, p2]), [p0: 12, p1: 6],
                    "stored offsets (a partition never committed is left out)")
                try expectEqual(
                    try store.storedLogIDs(for: [p0, p1, p2]), [p0: "log-a", p1: "log-b"],
                    "stored log IDs (a batch without one keeps the stored one)")
                try expectEqual(try await storage.counts(), ["soup": 5, "taco": 1], "counts")
            }
        }

        func aFencedBatchWritesNothing() async throws {
            try await withStore { store in
                try store.commit(
                    CountBatch(
                        deltas: ["soup": 1],
                        offsets: [p0: .init(expected: nil, next: 5), p1: .init(expected: nil, next: 3)],
                        eventCount: 8))
                // p0 and p1 may well be written before p2's fencing is found: all of it must go.
                let stale = CountBatch(
                    deltas: ["soup": 5, "pizza": 2],
                    offsets: [
                        p0: .init(expected: 5, next: 9), p1: .init(expected: 3, next: 6),
                        p2: .init(expected: 4, next: 7),
                    ],
                    eventCount: 10)
                let error = try expectFailure(.fenced, "a batch expecting an offset for a partition without one") {
                    try store.commit(stale)
                }
                try expectEqual(error.partitions, [p2], "the fenced partitions named by the error")
                try expectEqual(
                    try store.storedOffsets(for: [p0, p1, p2]), [p0: 5, p1: 3], "stored offsets after the fenced batch")
                try expectEqual(try await storage.counts(), ["soup": 1], "counts after the fenced batch")

                try store.commit(
                    CountBatch(
                        deltas: ["soup": 5],
                        offsets: [p0: .init(expected: 5, next: 9), p1: .init(expected: 3, next: 6)],
                        eventCount: 7))
                try expectEqual(
                    try await storage.counts(), ["soup": 6], "counts after the batch without its stale part")
            }
        }

        func aFirstCommitIsFencedUnlessItFindsNoStoredRow() async throws {
            try await withStore { first in
                try await withStore { second in
                    try first.commit(
                        CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 5)], eventCount: 5))
                    let error = try expectFailure(.fenced, "a second first commit of a partition, by another member") {
                        try second.commit(
                            CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: nil, next: 3)], eventCount: 3)
                        )
                    }
                    try expectEqual(error.partitions, [p0], "the fenced partitions named by the error")
                    let missing = try expectFailure(.fenced, "a batch expecting an offset where none is stored") {
                        try second.commit(
                            CountBatch(deltas: ["soup": 4], offsets: [p1: .init(expected: 7, next: 9)], eventCount: 2))
                    }
                    try expectEqual(missing.partitions, [p1], "the fenced partitions named by the error")
                    try expectEqual(
                        try second.storedOffsets(for: [p0, p1]), [p0: 5], "stored offsets after both refusals")
                    try expectEqual(try await storage.counts(), ["soup": 1], "counts after both refusals")

                    try second.commit(
                        CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: 5, next: 8)], eventCount: 3))
                    try expectEqual(try first.storedOffsets(for: [p0]), [p0: 8], "the offset the second member stored")
                }
            }
        }

        func aBatchIsFencedWhenAnotherMemberMovedTheOffsetOn() async throws {
            try await withStore { member in
                try await withStore { other in
                    try member.commit(
                        CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 5)], eventCount: 5))
                    try other.commit(
                        CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 5, next: 9)], eventCount: 4))

                    let error = try expectFailure(.fenced, "a batch expecting an offset another member moved on") {
                        try member.commit(
                            CountBatch(
                                deltas: ["soup": 4],
                                offsets: [p0: .init(expected: 5, next: 9), p1: .init(expected: nil, next: 2)],
                                eventCount: 6))
                    }
                    try expectEqual(error.partitions, [p0], "the fenced partitions: the stale one only")
                    try expectEqual(
                        try member.storedOffsets(for: [p0, p1]), [p0: 9], "stored offsets after the refusal")
                    try expectEqual(try await storage.counts(), ["soup": 2], "counts after the refusal")

                    // The member continues from the stored offset.
                    try member.commit(
                        CountBatch(
                            deltas: ["soup": 4],
                            offsets: [p0: .init(expected: 9, next: 13), p1: .init(expected: nil, next: 2)],
                            eventCount: 6))
                    try expectEqual(try other.storedOffsets(for: [p0, p1]), [p0: 13, p1: 2], "stored offsets")
                    try expectEqual(try await storage.counts(), ["soup": 6], "counts")
                }
            }
        }

        func aBatchIsFencedWhenItsVersionOrLogIsStale() async throws {
            try await withStore { member in
                try await withStore { other in
                    try member.commit(
                        CountBatch(
                            deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 5, logID: "log-a")],
                            eventCount: 5))
                    let first = try member.storedPositions(for: [p0])[p0]
                    guard let version = first?.version else {
                        return try expect(
                            false, "the store keeps no version: stored position \(String(describing: first))")
                    }
                    // Another member goes on to 9 and moves back to 5 (its log lost its tail).
                    try other.commit(
                        CountBatch(deltas: ["soup": 4], offsets: [p0: .init(expected: 5, next: 9)], eventCount: 4))
                    try other.commit(CountBatch(offsets: [p0: .init(expected: 9, next: 5)], eventCount: 0))
                    let now = try other.storedPositions(for: [p0])[p0]
                    try expectEqual(now?.next, 5, "the stored offset after the move back")
                    try expectEqual(now?.logID, "log-a", "the stored log after the move back")
                    try expectEqual(now?.version, version + 2, "the version after two more commits")

                    let stale = try expectFailure(.fenced, "a batch expecting the offset at an old version") {
                        try member.commit(
                            CountBatch(
                                deltas: ["soup": 2],
                                offsets: [p0: .init(expected: 5, next: 7, expectedVersion: version)],
                                eventCount: 2))
                    }
                    try expectEqual(stale.partitions, [p0], "the fenced partitions named by the error")
                    _ = try expectFailure(.fenced, "a batch expecting the offset in another log") {
                        try member.commit(
                            CountBatch(
                                deltas: ["soup": 2],
                                offsets: [
                                    p0: .init(
                                        expected: 5, next: 7, expectedLogID: "log-b", expectedVersion: version + 2)
                                ],
                                eventCount: 2))
                    }
                    try expectEqual(try await storage.counts(), ["soup": 5], "counts after both refusals")
                    try member.commit(
                        CountBatch(
                            deltas: ["soup": 2],
                            offsets: [
                                p0: .init(expected: 5, next: 7, expectedLogID: "log-a", expectedVersion: version + 2)
                            ],
                            eventCount: 2))
                    try expectEqual(try await storage.counts(), ["soup": 7], "counts after the current batch")
                }
            }
        }

        func countedTotalsAccumulateWithTheOffsets() async throws {
            func totals(_ store: any CountStore) throws -> [SourcePartition: Int64?] {
                try store.storedPositions(for: [p0, p1, p2]).mapValues(\.counted)
            }
            try await withStore { member in
                try await withStore { other in
                    try member.commit(
                        CountBatch(
                            deltas: ["soup": 7, "taco": 1],
                            offsets: [
                                p0: .init(expected: nil, next: 10, counted: 7),
                                p1: .init(expected: nil, next: 4, counted: 1),
                            ],
                            eventCount: 14))
                    try expectEqual(try totals(member), [p0: 7, p1: 1], "counted totals after first commits")
                    // Valid events and invalid ones: only the valid ones are counted.
                    try member.commit(
                        CountBatch(
                            deltas: ["soup": 2], offsets: [p0: .init(expected: 10, next: 15, counted: 2)], eventCount: 5
                        ))
                    try expectEqual(try totals(member), [p0: 9, p1: 1], "counted totals after a second commit")

                    // Another member moves p0 on; the member's stale batch must add to neither total.
                    try other.commit(
                        CountBatch(
                            deltas: ["taco": 3], offsets: [p0: .init(expected: 15, next: 18, counted: 3)], eventCount: 3
                        ))
                    _ = try expectFailure(.fenced, "a batch expecting an offset another member moved on") {
                        try member.commit(
                            CountBatch(
                                deltas: ["soup": 6],
                                offsets: [
                                    p1: .init(expected: 4, next: 8, counted: 4),
                                    p0: .init(expected: 15, next: 17, counted: 2),
                                ],
                                eventCount: 6))
                    }
                    try expectEqual(
                        try totals(member), [p0: 12, p1: 1], "counted totals after the fenced batch (rolled back)")
                    try expectEqual(
                        try await storage.counts(), ["soup": 9, "taco": 4], "counts after the fenced batch")
                }
            }
            try await withStore { store in
                try expectEqual(try totals(store), [p0: 12, p1: 1], "counted totals after a reopen")
            }
        }

        func storedOffsetsSurviveAReopen() async throws {
            try await withStore { store in
                try store.commit(
                    CountBatch(
                        deltas: ["soup": 3],
                        offsets: [
                            p0: .init(expected: nil, next: 10, logID: "log-a"), p1: .init(expected: nil, next: 4),
                        ],
                        eventCount: 14))
            }
            try await withStore { store in
                try expectEqual(
                    try store.storedOffsets(for: [p0, p1, p2]), [p0: 10, p1: 4], "stored offsets after a reopen")
                try expectEqual(
                    try store.storedLogIDs(for: [p0, p1, p2]), [p0: "log-a"], "stored log IDs after a reopen")
                try expectEqual(try await storage.counts(), ["soup": 3], "counts after a reopen")
                try store.commit(
                    CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: 10, next: 11)], eventCount: 1))
            }
            try await withStore { store in
                try expectEqual(
                    try store.storedOffsets(for: [p0, p1]), [p0: 11, p1: 4], "stored offsets after a second reopen")
            }
        }

        func aLockedStoreFailsAsBusyAndARetrySucceeds() async throws {
            let batch = CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: 5, next: 7)], eventCount: 2)
            try await withStore { store in
                try store.commit(
                    CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 5)], eventCount: 5))
                let end = try storage.provoke(.busy)
                do {
                    let error = try expectFailure(.busy, "a commit while another connection holds the lock") {
                        try store.commit(batch)
                    }
                    try expect(error.isTransient, "a busy error must be transient: \(error)")
                } catch {
                    try? end()
                    throw error
                }
                try end()
                try expectEqual(try store.storedOffsets(for: [p0]), [p0: 5], "stored offsets after the busy commit")
                try expectEqual(try await storage.counts(), ["soup": 1], "counts after the busy commit")

                try store.commit(batch)
                try expectEqual(try store.storedOffsets(for: [p0]), [p0: 7], "stored offsets after the retry")
                try expectEqual(try await storage.counts(), ["soup": 3], "counts after the retry")
            }
        }

        /// `read_only` and `corrupt`: provoked with no store open; opening a store or committing fails.
        func unwritableStorageFails(as code: StoreError.Code, transient: Bool) async throws {
            let batch = CountBatch(deltas: ["soup": 2], offsets: [p0: .init(expected: 5, next: 7)], eventCount: 2)
            try await withStore { store in
                try store.commit(
                    CountBatch(deltas: ["soup": 1], offsets: [p0: .init(expected: nil, next: 5)], eventCount: 5))
            }
            let end = try storage.provoke(code)
            do {
                let error = try expectFailure(code, "opening a store and committing to it") {
                    let store = try storage.open()
                    defer { try? storage.close(store) }
                    try store.commit(batch)
                }
                try expect(error.isTransient == transient, "isTransient must be \(transient) for \(code): \(error)")
            } catch {
                try? end()
                throw error
            }
            try end()
            try await withStore { store in
                try expectEqual(try store.storedOffsets(for: [p0]), [p0: 5], "stored offsets once the condition ended")
                try expectEqual(try await storage.counts(), ["soup": 1], "counts once the condition ended")
                try store.commit(batch)
                try expectEqual(try await storage.counts(), ["soup": 3], "counts after committing again")
            }
        }

        /// Opens a store, runs `body`, and closes the store whatever happens.
        private func withStore(_ body: (any CountStore) async throws -> Void) async throws {
            let store = try storage.open()
            do {
                try await body(store)
            } catch {
                try? storage.close(store)
                throw error
            }
            try storage.close(store)
        }

        private func expect(_ condition: Bool, _ message: String, file: String = #fileID, line: Int = #line) throws {
            guard condition else {
                throw CountStoreConformance.Violation(check: nil, message: message, file: file, line: line)
            }
        }

        private func expectEqual<Value: Equatable>(
            _ actual: Value, _ expected: Value, _ what: String, file: String = #fileID, line: Int = #line
        ) throws {
            try expect(actual == expected, "\(what): found \(actual), expected \(expected)", file: file, line: line)
        }

        /// Runs `body`, which must throw a `StoreError` with `code`; returns the error.
        private func expectFailure(
            _ code: StoreError.Code, _ what: String, file: String = #fileID, line: Int = #line,
            _ body: () throws -> Void
        ) throws -> StoreError {
            let failure: any Error
            do {
                try body()
                throw CountStoreConformance.Violation(
                    check: nil, message: "\(what) succeeded; expected a StoreError with code \(code)", file: file,
                    line: line)
            } catch let violation as CountStoreConformance.Violation {
                throw violation
            } catch {
                failure = error
            }
            guard let error = failure as? StoreError, error.code == code else {
                throw CountStoreConformance.Violation(
                    check: nil, message: "\(what) threw \(failure); expected a StoreError with code \(code)",
                    file: file,
                    line: line)
            }
            return error
        }
    }
}
