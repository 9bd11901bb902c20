import FoodCountCore
import Logging

/// One seeded simulation: a model broker, members that each run the real `CountingPipeline` (its
/// `PipelineMachine` and executor) on a shared manual clock, one in-memory database, and a ledger that
/// checks exactly-once after every commit. Every choice comes from one seeded generator, so that a seed
/// repeats its run exactly.
final class SimulationWorld {
    /// A consumer process: its source, store and stepped pipeline.
    final class Member {
        let id: Int
        let group: String
        let source: SimulatedEventSource
        let stepper: PipelineStepper
        var frozen = false
        var stopping = false

        init(id: Int, group: String, source: SimulatedEventSource, stepper: PipelineStepper) {
            self.id = id
            self.group = group
            self.source = source
            self.stepper = stepper
        }
    }

    let profile: SimulationProfile
    /// The profile's faults, in a fixed order (a set's order changes from run to run).
    let faults: [SimulationFault]
    var random: SplitMix64
    let clock = ManualClock()
    let broker: SimulatedBroker
    let database = InMemoryCountStore.Database()
    let ledger = SimulationLedger()
    /// Whether the broker answers OFFSET_OUT_OF_RANGE (Apache Kafka) or nothing (the embedded broker).
    let reportsOutOfRange: Bool
    private(set) var members: [Member] = []
    private var nextMember = 0
    private(set) var step = 0
    /// Until when the store fails every read and commit: outages end with time, as a pipeline waiting inside
    /// a rebalance callback sees them end.
    var storeDownUntil: ContinuousClock.Instant?

    /// Whether the store fails every read and commit now.
    var storeDown: Bool { storeDownUntil.map { clock.now < $0 } ?? false }
    /// What happened, step by step, when the run is traced.
    var trace: [String]?
    /// Per group, the member each partition is assigned to, as the group coordinator sees it.
    private var owners: [String: [SourcePartition: Int]] = [:]
    /// Per group, partitions whose revocation must be delivered before they go to the member named.
    private var handoffs: [String: [SourcePartition: Int]] = [:]
    /// Whether the members lost their partitions to a recreated topic and rejoin at the next metadata refresh.
    var rejoinDue = false
    private let quiet = Logger(label: "foodcount.simulation") { _ in SwiftLogNoOpLogHandler() }

    init(seed: UInt64, profile: SimulationProfile, traced: Bool) {
        self.profile = profile
        faults = profile.faults.sorted { $0.rawValue < $1.rawValue }
        random = SplitMix64(seed: seed)
        broker = SimulatedBroker(topic: "message", partitions: 0)
        reportsOutOfRange = random.next() % 4 != 0
        trace = traced ? [] : nil
        if traced { ledger.trace = { [unowned self] in note($0) } }
        let partitions = pick(profile.partitions)
        broker.reset(partitions: partitions)
        for _ in 0..<pick(profile.members) { join("g1") }
    }

    // MARK: Randomness

    func chance(_ probability: Double) -> Bool { random.unit() < probability }

    func pick(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next() % UInt64(range.count))
    }

    func pick<T>(_ values: [T]) -> T? {
        values.isEmpty ? nil : values[Int(random.next() % UInt64(values.count))]
    }

    func note(_ text: @autoclosure () -> String) {
        if trace != nil { trace?.append("[\(step)] \(text())") }
    }

    // MARK: Steps

    /// One step of the world, chosen by the profile's weights.
    func advance() {
        step += 1
        let weights = [
            profile.produceWeight, profile.memberWeight, profile.commitWeight, profile.timeWeight,
            profile.faults.isEmpty ? 0 : profile.faultWeight,
        ]
        var roll = Int(random.next() % UInt64(weights.reduce(0, +)))
        var choice = 0
        while roll >= weights[choice] {
            roll -= weights[choice]
            choice += 1
        }
        switch choice {
        case 0: produce()
        case 1: if let member = pick(members.filter { !$0.frozen }) { run(member, actions: pick(1...3)) }
        case 2: if let member = pick(members.filter { $0.stepper.commits.inFlight != nil }) { finishCommit(of: member) }
        case 3: clock.advance(by: .milliseconds(pick(1...200)))
        default: inject(pick(faults)!)
        }
    }

    private func produce() {
        guard let partition = pick(broker.partitions) else { return }
        if let truncatedAt = broker.log(partition).truncatedAt, allMovedBack(partition, to: truncatedAt) {
            broker.resumeProducing(partition)
        }
        let categories: [UInt8?] = (0..<pick(1...4)).map { _ in
            chance(profile.invalidRecords) ? nil : UInt8(random.next() % UInt64(SimulatedRun.categories.count))
        }
        broker.produce(categories, to: partition)
    }

    /// Whether the members have moved back to a truncation at `offset`, and the group has stored it: only
    /// then can records written at the lost offsets be told from the lost ones (no member, nor a restarted
    /// one, would take the old offset for the new log's). Producing waits until then.
    private func allMovedBack(_ partition: SourcePartition, to offset: Int64) -> Bool {
        members.allSatisfy { member in
            (member.source.assigned[partition]?.position ?? 0) <= offset
                && !(member.source.uncovered[partition] ?? []).contains { $0.offset >= offset }
        }
            && database.offsets(of: database.ownerGroup ?? "g1")[partition].map { $0 <= offset } ?? true
    }

    /// Carries out up to `actions` of a member's pipeline.
    func run(_ member: Member, actions: Int) {
        for _ in 0..<actions {
            guard member.stepper.step() else { return finished(member) }
        }
    }

    /// Ends a member's commit in flight: the store's answer (which may be an outage or an unknown outcome),
    /// or a transient failure the store never saw.
    private func finishCommit(of member: Member) {
        member.stepper.commits.finish(with: chance(0.1) ? .failure(Self.transient) : nil)
    }

    private static let transient = StoreError(code: .busy, message: "simulated: database is locked")

    // MARK: Members

    /// Starts a member of `group`; a store that refuses it at start (another group owns the database) leaves
    /// it out.
    func join(_ group: String) {
        let id = nextMember
        nextMember += 1
        let inner: InMemoryCountStore
        do {
            inner = try InMemoryCountStore(database: database, group: group)
        } catch {
            return note("member \(id) of \(group) refused at start: \(error.message)")
        }
        let source = SimulatedEventSource(broker: broker, clock: clock, chunk: pick(1...8))
        source.reportsOutOfRange = reportsOutOfRange
        let store = SimulatedCountStore(inner: inner, world: self, member: id, source: source)
        let stepper = PipelineStepper(
            source: source, store: store, deadLetterSink: SimulatedDeadLetterSink(world: self),
            configuration: memberConfiguration(), clock: clock, holdsCommits: true, seed: random.next(),
            logger: trace == nil ? quiet : Logger(label: "member-\(id)"))
        let member = Member(id: id, group: group, source: source, stepper: stepper)
        if trace != nil { source.trace = { [unowned self] in note("member \(id) source \($0)") } }
        stepper.commits.onWait = { [unowned self] _ in
            chance(0.1) ? .failure(Self.transient) : nil
        }
        stepper.pipeline.onRecord = { [unowned self, unowned source] record in
            switch record {
            case .skipped(let partition, let from, let to):
                let generation = source.assigned[partition]?.generation ?? broker.log(partition).generation
                ledger.skipped(partition, generation: generation, from: from, to: to)
            case .pendingDropped(let partitions):
                note("member \(id) drops its pending work of \(partitions)")
                source.dropped(partitions)
            default:
                break
            }
        }
        source.admits = { [unowned pipeline = stepper.pipeline] in pipeline.machine.admit($0).counts }
        source.revoked = { [unowned self, unowned member] partitions, lost in
            if !lost { handOn(partitions, from: member) }  // lost ones were taken from it when they were lost
        }
        try? stepper.start()
        members.append(member)
        note("member \(id) of \(group) joins")
        rebalance(group)
    }

    private func memberConfiguration() -> CountingPipeline.Configuration {
        CountingPipeline.Configuration(
            maxBatchEvents: pick(1...20), maxBatchDelay: .milliseconds(pick(10...100)),
            idleFlushDelay: chance(0.2) ? nil : .milliseconds(pick(5...30)), pollTimeout: .milliseconds(50),
            pollBatchSize: pick(1...16),
            retry: RetryPolicy(initialDelay: .milliseconds(5), maxDelay: .milliseconds(100)),
            retryBudget: .milliseconds(pick(100...1000)), revocationRetryBudget: .milliseconds(100),
            shutdownRetryBudget: .milliseconds(200), deadLetterTimeout: .milliseconds(200))
    }

    /// A member's pipeline stopped: gracefully, or with an error (a violation, unless its store refused a
    /// second consumer group).
    private func finished(_ member: Member) {
        if let error = member.stepper.error {
            if let store = error as? StoreError, store.code == .inconsistent,
                store.message.contains("belong to consumer group")
            {
                note("member \(member.id) of \(member.group) refused: \(store.message)")
            } else {
                ledger.violate("member \(member.id) failed at step \(step): \(error)")
            }
        } else {
            note("member \(member.id) stopped")
        }
        remove(member)
    }

    /// Drops a member that will never run again (killed, stopped, failed).
    func forget(_ member: Member) { remove(member) }

    /// Every member loses every partition at once (lost revocations, delivered at their next poll).
    func loseEverything() {
        for member in members { member.source.loseAll() }
        owners.removeAll()
        handoffs.removeAll()
    }

    /// Whether the members are due to rejoin (and now are not any more).
    func takeRejoin() -> Bool {
        defer { rejoinDue = false }
        return rejoinDue
    }

    /// Freezes a member (see `freeze`).
    func freezeMember(_ member: Member) { freeze(member) }

    /// The coordinator's view: the owner of each partition in a group.
    func owner(of partition: SourcePartition, in group: String) -> Member? { member(owners[group]?[partition]) }

    /// Whether partitions wait for a revocation before they go on.
    var isHandingOff: Bool { handoffs.values.contains { !$0.isEmpty } }

    private func remove(_ member: Member) {
        members.removeAll { $0 === member }
        let group = member.group
        for (partition, target) in (handoffs[group] ?? [:]).sorted(by: { $0.key < $1.key }) {
            if target == member.id || owners[group]?[partition] == member.id {
                handoffs[group]?[partition] = nil
            }
        }
        for (partition, owner) in (owners[group] ?? [:]) where owner == member.id { owners[group]?[partition] = nil }
        rebalance(group)
    }

    private func member(_ id: Int?) -> Member? { members.first { $0.id == id } }

    // MARK: The group coordinator

    /// Assigns the group's partitions among its members that can take them: unowned ones at once, moving ones
    /// once their revocation has been delivered (cooperative rebalancing).
    func rebalance(_ group: String, shuffle: Bool = false) {
        let candidates = members.filter { $0.group == group && !$0.frozen && !$0.stopping }
        guard !candidates.isEmpty else { return }
        for partition in broker.partitions where handoffs[group]?[partition] == nil {
            let owner = member(owners[group]?[partition])
            if owner != nil, !shuffle || chance(0.5) { continue }
            let target = pick(candidates)!
            if let owner {
                guard owner !== target else { continue }
                handoffs[group, default: [:]][partition] = target.id
                owner.source.queue(.revoke([partition], lost: false))
                note("\(partition) moves from member \(owner.id) to member \(target.id)")
            } else {
                assign(partition, to: target)
            }
        }
    }

    private func assign(_ partition: SourcePartition, to member: Member) {
        owners[member.group, default: [:]][partition] = member.id
        member.source.queue(.assign([partition]))
        note("\(partition) assigned to member \(member.id)")
    }

    /// A member's revocation returned (or it closed): the partitions go on to their next owner.
    private func handOn(_ partitions: [SourcePartition], from member: Member) {
        let group = member.group
        for partition in partitions where owners[group]?[partition] == member.id {
            owners[group]?[partition] = nil
            if let target = self.member(handoffs[group]?.removeValue(forKey: partition)) {
                assign(partition, to: target)
            }
        }
        if member.stopping || member.source.isClosed { rebalance(group) }
    }

    /// A member stops being heard from past its session timeout: its partitions go to others at once, and it
    /// hears of the loss only when it wakes.
    private func freeze(_ member: Member) {
        member.frozen = true
        let group = member.group
        let lost = (owners[group] ?? [:]).filter { $0.value == member.id }.map(\.key).sorted()
        for partition in lost { owners[group]?[partition] = nil }
        for (partition, _) in (handoffs[group] ?? [:]) where lost.contains(partition) {
            handoffs[group]?[partition] = nil
        }
        member.source.loseAll()
        note("member \(member.id) freezes; loses \(lost)")
        rebalance(group)
    }
}

/// A dead-letter sink that acknowledges, or now and then fails every letter (transiently).
final class SimulatedDeadLetterSink: DeadLetterSink, @unchecked Sendable {
    private unowned let world: SimulationWorld

    init(world: SimulationWorld) {
        self.world = world
    }

    func send(_ letters: [DeadLetter], deadline: ContinuousClock.Instant, shouldStop: () -> Bool) -> [(any Error)?] {
        let fails = world.chance(0.05)
        return letters.map { _ in fails ? InMemoryDeadLetterSink.WriteFailure() : nil }
    }
}
