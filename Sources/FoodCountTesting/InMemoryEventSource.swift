import FoodCountCore
import Foundation
import Synchronization

/// An `EventSource` over in-memory partition logs, with scripted group membership.
///
/// Records appended with ``append(_:to:)`` are delivered in order from each assigned partition's position.
/// Assignment changes queued with ``assign(_:)`` and ``revoke(_:lost:)`` are delivered to the listener
/// synchronously inside the next ``poll(maxRecords:timeout:)``, as a Kafka consumer does.
public final class InMemoryEventSource: EventSource, @unchecked Sendable {
    private enum Change {
        case assign([SourcePartition], logIDs: [SourcePartition: String])
        case revoke([SourcePartition], lost: Bool)
    }

    private struct State {
        var logs: [SourcePartition: [SourceRecord]] = [:]
        var positions: [SourcePartition: Int64] = [:]
        var changes: [Change] = []
        var committed: [SourcePartition: Int64] = [:]
        var paused: Set<SourcePartition> = []
        var woken = false
        var closed = false
        var started = false
        var pollCount = 0
        var reportsCaughtUp = true
    }

    private let state = Mutex(State())
    private weak var listener: (any PartitionListener)?
    private let resetToBeginning: Bool

    /// Creates a source.
    /// - Parameters:
    ///   - assignOnStart: Partitions assigned when the pipeline starts.
    ///   - resetToBeginning: Where partitions without a start offset begin: the log's start, or its end.
    public init(assignOnStart: [SourcePartition] = [], resetToBeginning: Bool = true) {
        self.resetToBeginning = resetToBeginning
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
    ///   - logIDs: The identity of each partition's log, as a Kafka source reports topic IDs.
    public func assign(_ partitions: [SourcePartition], logIDs: [SourcePartition: String] = [:]) {
        state.withLock { $0.changes.append(.assign(partitions, logIDs: logIDs)) }
    }

    /// Where each assigned partition will read next.
    public var positions: [SourcePartition: Int64] { state.withLock { $0.positions } }

    /// Replaces a partition's log by a new one, as a recreated topic or a broker that lost its log does; the
    /// position of an assigned partition stays where it was.
    public func replaceLog(of partition: SourcePartition, with values: [[UInt8]?]) {
        state.withLock { $0.logs[partition] = [] }
        append(values, to: partition)
    }

    /// Queues a revocation, delivered inside the next poll.
    public func revoke(_ partitions: [SourcePartition], lost: Bool = false) {
        state.withLock { $0.changes.append(.revoke(partitions, lost: lost)) }
    }

    /// The offsets reported through ``commit(_:)``.
    public var committedOffsets: [SourcePartition: Int64] { state.withLock { $0.committed } }
    /// The partitions assigned now.
    public var assignment: Set<SourcePartition> { state.withLock { Set($0.positions.keys) } }
    /// Whether ``close()`` was called.
    public var isClosed: Bool { state.withLock { $0.closed } }
    /// How many polls ran.
    public var pollCount: Int { state.withLock { $0.pollCount } }

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
        let deadline = ContinuousClock.now + timeout
        while true {
            let records = state.withLock { state -> [SourceRecord] in
                state.pollCount += 1
                var batch: [SourceRecord] = []
                for partition in state.positions.keys.sorted() where !state.paused.contains(partition) {
                    let log = state.logs[partition, default: []]
                    var position = state.positions[partition] ?? 0
                    while batch.count < maxRecords, position < Int64(log.count) {
                        batch.append(log[Int(position)])
                        position += 1
                    }
                    state.positions[partition] = position
                }
                return batch
            }
            let woken = state.withLock { state in
                defer { state.woken = false }
                return state.woken
            }
            if !records.isEmpty || woken || ContinuousClock.now >= deadline { return records }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    /// Implements `EventSource.commit`.
    public func commit(_ offsets: [SourcePartition: Int64]) {
        state.withLock { $0.committed.merge(offsets) { $1 } }
    }

    /// Implements `EventSource.seek`.
    public func seek(_ offsets: [SourcePartition: Int64]) throws {
        state.withLock { state in
            for (partition, offset) in offsets where state.positions[partition] != nil {
                state.positions[partition] = offset
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
            case .assign(let partitions, let logIDs):
                let starts = listener?.partitionsAssigned(partitions, logIDs: logIDs) ?? [:]
                state.withLock { state in
                    for partition in partitions {
                        let end = Int64(state.logs[partition]?.count ?? 0)
                        switch starts[partition] {
                        case .offset(let offset, _): state.positions[partition] = offset
                        case .beginning: state.positions[partition] = 0
                        case nil: state.positions[partition] = resetToBeginning ? 0 : end
                        }
                    }
                }
            case .revoke(let partitions, let lost):
                listener?.partitionsRevoked(partitions, lost: lost)
                state.withLock { state in
                    for partition in partitions { state.positions.removeValue(forKey: partition) }
                }
            }
        }
    }
}
