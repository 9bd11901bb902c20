import FoodCountCore

extension SimulationWorld {
    /// Ends every fault and lets the members run until the owner group has read and committed every log to
    /// its end; then checks that every record the logs still hold was counted (nothing skipped without a
    /// report, nothing stalled).
    func settle(rounds: Int = 5_000) {
        note("settling: faults end, producers stop")
        storeDownUntil = nil
        broker.catchUp()
        for partition in broker.partitions { broker.resumeProducing(partition) }
        for member in members where member.frozen { member.frozen = false }
        refreshMetadata()
        let group = database.ownerGroup ?? "g1"
        for _ in 0..<rounds {
            if !members.contains(where: { $0.group == group && !$0.stopping }) { join(group) }
            rebalance(group)
            for member in members.sorted(by: { $0.id < $1.id }) {
                if member.stepper.commits.inFlight != nil { member.stepper.commits.finish() }
                run(member, actions: 1)
            }
            if isSettled(group) {
                note("settled: \(unsettled(group))")
                return checkEverythingCounted()
            }
        }
        ledger.violate(
            "the members did not read and commit every log within \(rounds) rounds after the faults ended: \(unsettled(group)); machines: \(members.map { "\($0.id): \($0.stepper.pipeline.machine.summary)" })"
        )
    }

    /// Whether every partition is owned by a member of `group` that has read its log to the end and has
    /// nothing pending.
    private func isSettled(_ group: String) -> Bool {
        guard !isHandingOff else { return false }
        return broker.partitions.allSatisfy { partition in
            guard let owner = owner(of: partition, in: group), !owner.source.hasChanges,
                let assigned = owner.source.assigned[partition]
            else { return false }
            let log = broker.log(partition)
            return assigned.generation == log.generation && assigned.position >= log.end
                && owner.stepper.pipeline.machine.isIdle
        }
    }

    /// What is not settled yet, for the violation's message.
    private func unsettled(_ group: String) -> String {
        broker.partitions.map { partition in
            let owner = owner(of: partition, in: group)
            let assigned = owner?.source.assigned[partition]
            return
                "\(partition): owner \(owner.map { "\($0.id)" } ?? "none"), position \(assigned.map { "\($0.position) gen \($0.generation)" } ?? "-"), log \(broker.log(partition).start)..<\(broker.log(partition).end), idle \(owner?.stepper.pipeline.machine.isIdle ?? false)"
        }.joined(separator: "; ")
    }

    /// Every record the logs still hold must have been counted.
    private func checkEverythingCounted() {
        for partition in broker.partitions {
            let log = broker.log(partition)
            for offset in log.start..<log.end where !ledger.counted.contains(log.records[Int(offset)].id) {
                return ledger.violate("\(partition) at \(offset) (generation \(log.generation)) was never counted")
            }
        }
        ledger.check(counts: database.counts, step: step)
        ledger.check(totals: database.countedTotals(of: database.ownerGroup ?? "g1"), step: step)
    }
}
