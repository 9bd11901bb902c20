import FoodCountCore

/// One member's consumer of the ``SimulatedBroker``: an `EventSource` that delivers records from its
/// positions, rebalances queued by the simulation, and the facts a Kafka consumer would report (a position
/// the broker refuses, a lagging watermark). It keeps the records it delivered that no commit has covered
/// yet, so that the ledger can say exactly which records each commit counted.
final class SimulatedEventSource: EventSource, @unchecked Sendable {
    /// A membership change, delivered inside the next poll.
    enum Change {
        case assign([SourcePartition])
        case revoke([SourcePartition], lost: Bool)
    }

    /// An assigned partition, as the consumer knows it.
    struct Assigned {
        var position: Int64
        /// Records below this offset were delivered since the last move: the source would not deliver them
        /// again unless it goes back by itself (``redeliver(_:records:)``).
        var delivered: Int64
        /// The generation of the log it fetches: an older one is gone, and fetching it brings nothing.
        var generation: Int
        var paused = false
        var refused = false
    }

    private let broker: SimulatedBroker
    private let clock: ManualClock
    private weak var listener: (any PartitionListener)?
    private(set) var changes: [Change] = []
    private(set) var assigned: [SourcePartition: Assigned] = [:]
    /// Per partition, the records delivered and neither committed nor dropped by the pipeline, in order.
    private(set) var uncovered: [SourcePartition: [SimulatedRecord]] = [:]
    private var facts: [SourceFact] = []
    /// At most this many records of a partition per poll, so that batches and runs vary.
    var chunk: Int
    /// Whether the broker answers a position outside its log with OFFSET_OUT_OF_RANGE (the embedded broker
    /// just returns nothing).
    var reportsOutOfRange = true
    /// Called after a revocation was delivered and the listener returned (`lost`: the group took them long
    /// ago), or the source closed: the partitions may go on.
    var revoked: ([SourcePartition], _ lost: Bool) -> Void = { _, _ in }
    /// The topic ID this consumer knows, and whether records wait for the pipeline to take a new one.
    private var knownTopicID: String?
    /// Whether the pipeline admits a run of a partition now (its machine's answer, asked just before delivery).
    var admits: ((SourcePartition) -> Bool)?
    private var held = false
    /// Whether a fetch error put the topic's identity in doubt: records wait until its ID is reported again.
    private var inDoubt = false
    private(set) var isClosed = false
    /// Where deliveries and moves are traced, when the run is.
    var trace: ((String) -> Void)?
    private(set) var closedPartitions: [SourcePartition] = []

    init(broker: SimulatedBroker, clock: ManualClock, chunk: Int) {
        self.broker = broker
        self.clock = clock
        self.chunk = chunk
    }

    /// Queues a membership change.
    func queue(_ change: Change) { changes.append(change) }

    /// The group took every partition from this member (its session timed out, or the topic vanished): the
    /// changes not delivered yet are void, and it hears of the loss at its next poll.
    func loseAll() {
        changes.removeAll()
        let owned = assigned.keys.sorted()
        if !owned.isEmpty { changes.append(.revoke(owned, lost: true)) }
    }

    /// Whether a revocation or an assignment, or a fact, waits to be delivered.
    var hasChanges: Bool { !changes.isEmpty || !facts.isEmpty }

    /// A lagging follower refuses the partition's position: OFFSET_OUT_OF_RANGE, which the leader would not
    /// confirm. Fetching stops until the partition is moved.
    func refuse(_ partition: SourcePartition) {
        guard assigned[partition] != nil else { return }
        assigned[partition]?.refused = true
        facts.append(.outOfRange(partition))
    }

    /// Goes back `records` in a partition without being moved, as a buggy client would redeliver.
    func redeliver(_ partition: SourcePartition, records: Int64) {
        guard let position = assigned[partition]?.position else { return }
        assigned[partition]?.position = min(position, max(broker.log(partition).start, position - records))
    }

    /// Takes the records of `partition` below `next` that no commit covered yet: what a commit up to `next`
    /// counted.
    func cover(_ partition: SourcePartition, below next: Int64) -> [SimulatedRecord] {
        guard let records = uncovered[partition] else { return [] }
        let covered = records.filter { $0.offset < next }
        uncovered[partition] = records.filter { $0.offset >= next }
        return covered
    }

    /// The pipeline dropped its pending work of these partitions: those records will be read again.
    func dropped(_ partitions: [SourcePartition]) {
        for partition in partitions { uncovered[partition] = nil }
    }

    func start(listener: any PartitionListener) throws {
        self.listener = listener
    }

    func poll(maxRecords: Int, timeout: Duration) throws -> [SourceRecord] {
        var records: [SourceRecord] = []
        try poll(maxRecords: maxRecords, timeout: timeout) { run in
            for index in 0..<run.count { records.append(run.makeRecord(at: index)) }
        }
        return records
    }

    @discardableResult
    func poll(maxRecords: Int, timeout: Duration, _ body: (any SourceRun) -> Void) throws -> Int {
        deliverChanges()
        var visited = 0
        for partition in assigned.keys.sorted() where visited < maxRecords && !held && !inDoubt {
            guard var owned = assigned[partition], !owned.paused, !owned.refused else { continue }
            let log = broker.log(partition)
            guard owned.generation == log.generation else { continue }  // a deleted topic: fetches fail
            if owned.position < log.start || owned.position > log.end {
                guard reportsOutOfRange else { continue }
                owned.refused = true
                assigned[partition] = owned
                facts.append(.outOfRange(partition))
                continue
            }
            let high = broker.reportedHigh(of: partition)
            if owned.position > high {
                facts.append(.watermarkBelowPosition(partition, highWatermark: high, position: owned.position))
                continue
            }
            let count = min(maxRecords - visited, chunk, Int(high - owned.position))
            guard count > 0 else { continue }
            let first = Int(owned.position)
            let slice = log.records[first..<(first + count)]
            trace?("delivers \(partition) \(first)..<\(first + count) (gen \(owned.generation))")
            let admitted = admits?(partition) ?? true  // what the pipeline refuses at admission is not counted
            body(SimulatedRun(partition: partition, records: slice))
            if admitted {
                for record in slice where record.offset >= owned.delivered {
                    uncovered[partition, default: []].append(record)
                }
            }
            owned.delivered = max(owned.delivered, owned.position + Int64(count))
            owned.position += Int64(count)
            assigned[partition] = owned
            visited += count
        }
        if visited == 0 { clock.advance(by: timeout) }
        return visited
    }

    var isCaughtUp: Bool {
        !assigned.isEmpty && assigned.allSatisfy { $0.value.position >= broker.reportedHigh(of: $0.key) }
    }

    /// The consumer's metadata is refreshed (a topic monitor's describe): it fetches a recreated topic in
    /// place, at the same positions, and reports the new ID; records wait until the pipeline has taken it.
    func refreshMetadata() {
        let id = broker.currentTopicID
        for partition in assigned.keys.sorted() { assigned[partition]?.generation = broker.log(partition).generation }
        if let knownTopicID, knownTopicID != id { held = true }
        if inDoubt { held = true }  // the ID ends the doubt once the pipeline has taken it
        inDoubt = false
        knownTopicID = id
        facts.append(.topicID(topic: broker.topic, id: id))
    }

    /// librdkafka's own metadata moves the fetches to a recreated topic's new logs in place, with a fetch error
    /// that puts the topic in doubt (as `KafkaEventSource` does): nothing is delivered until the ID is
    /// reported.
    func switchLogsInPlace() {
        guard assigned.contains(where: { $0.value.generation != broker.log($0.key).generation }) else { return }
        for partition in assigned.keys.sorted() { assigned[partition]?.generation = broker.log(partition).generation }
        inDoubt = true
    }

    /// Stale metadata (another broker, an answer sent before the change) reports the topic's previous ID.
    func reportStaleTopicID() {
        let generation = broker.log(broker.partitions[0]).generation
        guard generation > 0 else { return }
        facts.append(.topicID(topic: broker.topic, id: broker.topicID(generation: generation - 1)))
    }

    func takeFacts() -> [SourceFact] {
        held = false
        guard !facts.isEmpty else { return [] }
        defer { facts.removeAll() }
        return facts
    }

    func logBounds(of partitions: [SourcePartition]) throws -> [SourcePartition: LogBounds] {
        var bounds: [SourcePartition: LogBounds] = [:]
        for partition in partitions {
            guard var bound = broker.bounds(of: partition) else { throw LogBoundsUnavailable() }
            let generation = broker.log(partition).generation
            bound.logID = broker.topicID(generation: generation)
            bounds[partition] = bound
            assigned[partition]?.generation = generation  // the query's metadata moves the consumer too
        }
        knownTopicID = broker.currentTopicID
        facts.removeAll { if case .topicID = $0 { true } else { false } }  // the answer is newer
        trace?("answers bounds \(bounds.sorted { $0.key < $1.key }.map { "\($0.key.partition): \($0.value)" })")
        return bounds
    }

    func commit(_ offsets: [SourcePartition: Int64]) {}

    func pause(_ partitions: [SourcePartition]) {
        for partition in partitions { assigned[partition]?.paused = true }
    }

    func resume(_ partitions: [SourcePartition]) {
        for partition in partitions { assigned[partition]?.paused = false }
    }

    func seek(_ moves: [SourcePartition: PartitionStart]) throws {
        for (partition, start) in moves where assigned[partition] != nil {
            move(partition, to: start)
        }
    }

    func wakeup() {}

    func close() throws {
        isClosed = true
        let owned = assigned.keys.sorted()
        changes.removeAll()
        if !owned.isEmpty { listener?.partitionsRevoked(owned, lost: false) }
        assigned.removeAll()
        closedPartitions = owned
        revoked(owned, false)
    }

    private func move(_ partition: SourcePartition, to start: PartitionStart) {
        trace?("moves \(partition) to \(start)")
        let position =
            switch start {
            case .offset(let offset): offset
            case .beginning: broker.log(partition).start
            }
        // A move stays in the log the consumer's metadata knows; only an assignment or a refresh changes it.
        var owned =
            assigned[partition]
            ?? Assigned(position: position, delivered: position, generation: broker.log(partition).generation)
        owned.position = position
        owned.delivered = position
        owned.refused = false
        assigned[partition] = owned
    }

    private func deliverChanges() {
        while !changes.isEmpty {
            switch changes.removeFirst() {
            case .assign(let partitions):
                let id = broker.currentTopicID
                for partition in partitions { assigned[partition] = nil }
                knownTopicID = id
                facts.removeAll { $0.isStale(after: partitions) }  // the assignment is newer
                let logIDs = Dictionary(uniqueKeysWithValues: partitions.map { ($0, id) })
                let starts = listener?.partitionsAssigned(partitions, logIDs: logIDs) ?? [:]
                for partition in partitions { move(partition, to: starts[partition] ?? .beginning) }
            case .revoke(let partitions, let lost):
                let owned = partitions.filter { assigned[$0] != nil }
                listener?.partitionsRevoked(owned, lost: lost)
                for partition in owned { assigned[partition] = nil }
                revoked(owned, lost)
            }
        }
    }
}

/// A run of records of one partition from the simulated broker, lent as views of shared event bytes.
struct SimulatedRun: SourceRun {
    let partition: SourcePartition
    let records: ArraySlice<SimulatedRecord>

    var count: Int { records.count }

    func forEach(_ body: (Int, SourceRecordView) -> Void) {
        var index = 0
        var position = records.startIndex
        while position < records.endIndex {
            let record = records[position]
            SimulatedRun.values[Int(record.category ?? SimulatedRun.invalid)].withUnsafeBytes { bytes in
                body(index, SourceRecordView(offset: record.offset, value: bytes))
            }
            index += 1
            position += 1
        }
    }

    func makeRecord(at index: Int) -> SourceRecord {
        let record = records[records.startIndex + index]
        return SourceRecord(
            partition: partition, offset: record.offset,
            value: SimulatedRun.values[Int(record.category ?? SimulatedRun.invalid)])
    }

    /// The index of the value that is not an event.
    static let invalid: UInt8 = UInt8(categories.count)
    /// The categories' names.
    static let categories = ["soup", "pizza", "taco", "bagel", "salad"]
    /// The events' bytes, by category index, then the invalid value.
    static let values: [[UInt8]] = categories.map { Array(#"{"food":"\#($0)"}"#.utf8) } + [Array("{not json".utf8)]
}

extension SourceFact {
    /// Whether the fact was learned before these partitions were assigned, and says nothing of them now: a
    /// topic's ID (the assignment's is newer), or a position of theirs.
    func isStale(after assigned: [SourcePartition]) -> Bool {
        switch self {
        case .topicID(let topic, _): assigned.contains { $0.topic == topic }
        case .outOfRange(let partition), .watermarkBelowPosition(let partition, _, _): assigned.contains(partition)
        }
    }
}
