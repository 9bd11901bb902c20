import FoodCountCore
import Foundation
import Synchronization

/// An `EventSource` over in-memory partition logs, with scripted group membership.
///
/// Records appended with ``append(_:to:)`` are delivered in order from each assigned partition's position.
/// Assignment changes queued with ``assign(_:logIDs:)`` and ``revoke(_:lost:)`` are delivered to the listener
/// synchronously inside the next poll, as a Kafka consumer does. Like a Kafka broker, it refuses a position
/// outside a partition's log (``SourceFact/outOfRange(_:)``) and stops delivering that partition until it
/// is moved. On a ``ManualClock`` a poll never blocks: one that finds nothing moves the clock by its timeout.
public final class InMemoryEventSource: EventSource, @unchecked Sendable {
    fileprivate enum Change {
        case assign([SourcePartition], logIDs: [SourcePartition: String])
        case revoke([SourcePartition], lost: Bool)
    }

    fileprivate struct State {
        var logs: [SourcePartition: [SourceRecord]] = [:]
        var logStarts: [SourcePartition: Int64] = [:]
        var logIDs: [SourcePartition: String] = [:]
        var positions: [SourcePartition: Int64] = [:]
        var refused: Set<SourcePartition> = []
        var changes: [Change] = []
        var facts: [SourceFact] = []
        var committed: [SourcePartition: Int64] = [:]
        var paused: Set<SourcePartition> = []
        var seeks: [[SourcePartition: PartitionStart]] = []
        var boundsQueries: [[SourcePartition]] = []
        var woken = false
        var closed = false
        var started = false
        var pollCount = 0
        var reportsCaughtUp = true
        var answersBounds = true
    }

    private let state = Mutex(State())
    private weak var listener: (any PartitionListener)?
    private let resetToBeginning: Bool
    private let clock: ManualClock?

    /// Creates a source.
    /// - Parameters:
    ///   - assignOnStart: Partitions assigned when the pipeline starts.
    ///   - resetToBeginning: Where partitions without a start offset begin: the log's start, or its end.
    ///   - clock: A manual clock: polls then never block, and one that finds nothing moves the clock by its
    ///     timeout. Without one, polls wait in real time.
    public init(assignOnStart: [SourcePartition] = [], resetToBeginning: Bool = true, clock: ManualClock? = nil) {
        self.resetToBeginning = resetToBeginning
        self.clock = clock
        if !assignOnStart.isEmpty { state.withLock { $0.changes.append(.assign(assignOnStart, logIDs: [:])) } }
    }

    /// Appends values to a partition's log, as a producer would.
    /// - Parameters:
    ///   - values: The record values; `nil` makes a tombstone.
    ///   - partition: The partition to append to.
    public func append(_ values: [[UInt8]?], to partition: SourcePartition) {
        state.withLock { state in
            var log = state.logs[partition, default: []]
            for value in values {
                log.append(SourceRecord(partition: partition, offset: Int64(log.count), value: value))
            }
            state.logs[partition] = log
        }
    }

    /// Appends JSON strings to a partition's log.
    public func append(strings: [String], to partition: SourcePartition) {
        append(strings.map { Array($0.utf8) }, to: partition)
    }

    /// Queues an assignment, delivered inside the next poll.
    /// - Parameters:
    ///   - partitions: The partitions to assign.
    ///   - logIDs: The identity of each partition's log, as a Kafka source reports topic IDs; partitions left
    ///     out get the identity set by ``replaceLog(of:with:logID:)``, if any.
    public func assign(_ partitions: [SourcePartition], logIDs: [SourcePartition: String] = [:]) {
        state.withLock { $0.changes.append(.assign(partitions, logIDs: logIDs)) }
    }

    /// Where each assigned partition will read next.
    public var positions: [SourcePartition: Int64] { state.withLock { $0.positions } }

    /// Replaces a partition's log by a new one, as a recreated topic or a broker that lost its log does; the
    /// position of an assigned partition stays where it was.
    /// - Parameters:
    ///   - partition: The partition.
    ///   - values: The new log's record values.
    ///   - logID: The new log's identity (a new topic ID), reported at the next assignment; `nil` keeps it.
    public func replaceLog(of partition: SourcePartition, with values: [[UInt8]?], logID: String? = nil) {
        state.withLock { state in
            state.logs[partition] = []
            state.logStarts[partition] = 0
            if let logID { state.logIDs[partition] = logID }
        }
        append(values, to: partition)
    }

    /// Removes a partition's records below `offset`, as retention does.
    public func removeRecords(of partition: SourcePartition, below offset: Int64) {
        state.withLock { $0.logStarts[partition] = offset }
    }

    /// Queues a revocation, delivered inside the next poll.
    public func revoke(_ partitions: [SourcePartition], lost: Bool = false) {
        state.withLock { $0.changes.append(.revoke(partitions, lost: lost)) }
    }

    /// Reports a fact to the pipeline with the next poll, as a Kafka source reports what it learns. Like a
    /// Kafka source, it delivers no record of a topic whose reported ID the pipeline has not taken yet.
    public func report(_ fact: SourceFact) {
        state.withLock { $0.facts.append(fact) }
    }

    /// The offsets reported through ``commit(_:)``.
    public var committedOffsets: [SourcePartition: Int64] { state.withLock { $0.committed } }
    /// The partitions assigned now.
    public var assignment: Set<SourcePartition> { state.withLock { Set($0.positions.keys) } }
    /// Whether ``close()`` was called.
    public var isClosed: Bool { state.withLock { $0.closed } }
    /// How many polls ran.
    public var pollCount: Int { state.withLock { $0.pollCount } }
    /// Every move the pipeline asked for, in order.
    public var seeks: [[SourcePartition: PartitionStart]] { state.withLock { $0.seeks } }
    /// Every question of log bounds the pipeline asked, by its partitions, in order.
    public var boundsQueries: [[SourcePartition]] { state.withLock { $0.boundsQueries } }

    /// Whether every assigned partition has been read to its end.
    public var isDrained: Bool {
        state.withLock { state in
            state.changes.isEmpty
                && state.positions.allSatisfy { $0.value >= Int64(state.logs[$0.key]?.count ?? 0) }
        }
    }

    /// Implements `EventSource.isCaughtUp`: partitions are assigned and all of them are drained, unless
    /// ``reportsCaughtUp`` is `false`.
    public var isCaughtUp: Bool { reportsCaughtUp && isDrained && !assignment.isEmpty }

    /// Whether ``isCaughtUp`` may report `true`; set `false` to play a source that never tells (as a Kafka
    /// partition without a position) or one that is always a little behind.
    public var reportsCaughtUp: Bool {
        get { state.withLock { $0.reportsCaughtUp } }
        set { state.withLock { $0.reportsCaughtUp = newValue } }
    }

    /// Implements `EventSource.start`.
    public func start(listener: any PartitionListener) throws {
        self.listener = listener
        state.withLock { $0.started = true }
    }

    /// Implements `EventSource.poll`.
    public func poll(maxRecords: Int, timeout: Duration) throws -> [SourceRecord] {
        deliverChanges()
        let deadline = (clock?.now ?? .now).advanced(by: timeout)
        while true {
            let records = state.withLock { $0.take(maxRecords) }
            let woken = state.withLock { state in
                defer { state.woken = false }
                return state.woken
            }
            if let clock {
                if records.isEmpty, !woken { clock.advance(to: deadline) }
                return records
            }
            if !records.isEmpty || woken || ContinuousClock.now >= deadline { return records }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    /// Implements `EventSource.takeFacts`.
    public func takeFacts() -> [SourceFact] {
        state.withLock { state in
            defer { state.facts.removeAll() }
            return state.facts
        }
    }

    /// Whether queries of log bounds are answered (`false`: they fail, as with an unreachable broker).
    public var answersBounds: Bool {
        get { state.withLock { $0.answersBounds } }
        set { state.withLock { $0.answersBounds = newValue } }
    }

    /// Implements `EventSource.logBounds`: where each log begins and ends now, and its identity.
    public func logBounds(of partitions: [SourcePartition]) throws -> [SourcePartition: LogBounds] {
        try state.withLock { state in
            state.boundsQueries.append(partitions.sorted())
            guard state.answersBounds else { throw LogBoundsUnavailable() }
            return partitions.reduce(into: [:]) { bounds, partition in
                bounds[partition] = LogBounds(
                    start: state.logStarts[partition] ?? 0, end: Int64(state.logs[partition]?.count ?? 0),
                    logID: state.logIDs[partition])
            }
        }
    }

    /// Implements `EventSource.commit`.
    public func commit(_ offsets: [SourcePartition: Int64]) {
        state.withLock { $0.committed.merge(offsets) { $1 } }
    }

    /// Implements `EventSource.seek`.
    public func seek(_ moves: [SourcePartition: PartitionStart]) throws {
        state.withLock { state in
            state.seeks.append(moves)
            for (partition, start) in moves where state.positions[partition] != nil {
                state.positions[partition] = state.position(of: partition, at: start)
                state.refused.remove(partition)
            }
        }
    }

    /// Implements `EventSource.pause`.
    public func pause(_ partitions: [SourcePartition]) {
        state.withLock { $0.paused.formUnion(partitions) }
    }

    /// Implements `EventSource.resume`.
    public func resume(_ partitions: [SourcePartition]) {
        state.withLock { $0.paused.subtract(partitions) }
    }

    /// The partitions paused now.
    public var pausedPartitions: Set<SourcePartition> { state.withLock { $0.paused } }

    /// Implements `EventSource.wakeup`.
    public func wakeup() {
        state.withLock { $0.woken = true }
    }

    /// Implements `EventSource.close`.
    public func close() throws {
        let owned = state.withLock { state -> [SourcePartition] in
            state.closed = true
            return state.positions.keys.sorted()
        }
        if !owned.isEmpty { listener?.partitionsRevoked(owned, lost: false) }
        state.withLock { $0.positions.removeAll() }
    }

    private func deliverChanges() {
        while let change = state.withLock({ $0.changes.isEmpty ? nil : $0.changes.removeFirst() }) {
            switch change {
            case .assign(let partitions, let given):
                let logIDs = state.withLock { state in
                    given.merging(state.logIDs.filter { partitions.contains($0.key) }) { given, _ in given }
                }
                let starts = listener?.partitionsAssigned(partitions, logIDs: logIDs) ?? [:]
                state.withLock { state in
                    for partition in partitions {
                        let end = Int64(state.logs[partition]?.count ?? 0)
                        state.refused.remove(partition)
                        state.positions[partition] =
                            starts[partition].map { state.position(of: partition, at: $0) }
                            ?? (resetToBeginning ? state.logStarts[partition] ?? 0 : end)
                    }
                }
            case .revoke(let partitions, let lost):
                listener?.partitionsRevoked(partitions, lost: lost)
                state.withLock { state in
                    for partition in partitions {
                        state.positions.removeValue(forKey: partition)
                        state.refused.remove(partition)
                    }
                }
            }
        }
    }
}

extension InMemoryEventSource.State {
    fileprivate func position(of partition: SourcePartition, at start: PartitionStart) -> Int64 {
        switch start {
        case .offset(let offset): offset
        case .beginning: logStarts[partition] ?? 0
        }
    }

    /// Takes up to `maxRecords` records from the assigned partitions' positions; a position outside its log
    /// is refused once (a fact) and the partition delivers nothing until it is moved.
    fileprivate mutating func take(_ maxRecords: Int) -> [SourceRecord] {
        pollCount += 1
        var batch: [SourceRecord] = []
        let reportedTopics = Set(facts.compactMap { if case .topicID(let topic, _) = $0 { topic } else { nil } })
        for partition in positions.keys.sorted() where !paused.contains(partition) && !refused.contains(partition) {
            if reportedTopics.contains(partition.topic) { continue }  // held until the ID is taken
            let log = logs[partition, default: []]
            var position = positions[partition] ?? 0
            guard position >= logStarts[partition] ?? 0, position <= Int64(log.count) else {
                refused.insert(partition)
                facts.append(.outOfRange(partition))
                continue
            }
            while batch.count < maxRecords, position < Int64(log.count) {
                batch.append(log[Int(position)])
                position += 1
            }
            positions[partition] = position
        }
        return batch
    }
}
