extension CountingPipeline {
    /// Counts or drops a run of records of one partition, as the machine admits it.
    func process(_ run: any SourceRun) {
        confinement.assertConfined("process")
        let partition = run.partition
        let floor: Int64?
        switch machine.admit(partition) {
        case .count(let admitted): floor = admitted
        case .drop: return recorder.consumed(run.count, from: partition, dropped: run.count)
        case .dropInDoubt:
            machine.droppedInDoubt(partition, from: run.makeRecord(at: 0).offset)
            return recorder.consumed(run.count, from: partition, dropped: run.count)
        }
        let outcome = counter.count(run, floor: floor, into: &machine.pending.aggregator)
        recorder.consumed(run.count, from: partition, invalid: outcome.rejected.count)
        machine.duplicatesDropped(outcome.belowFloor, of: partition, now: clock.now)
        for (index, error) in outcome.rejected {
            let record = run.makeRecord(at: index)
            guard machine.tolerates(error, of: partition, at: record.offset) else { return }
            if let letter = courier.reject(record, error) { machine.pending.add(letter) }
        }
    }

    /// Partitions were assigned (inside a poll): the machine reads their stored positions and starts them.
    func partitionsAssigned(
        _ partitions: [SourcePartition], logIDs: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] {
        confinement.assertConfined("partitionsAssigned")
        machine.assigned(partitions, logIDs: logIDs, now: clock.now)
        return runCallback()
    }

    /// Partitions are revoked (in a poll, or the source's close): their work is committed or dropped first.
    func partitionsRevoked(_ partitions: [SourcePartition], lost: Bool) {
        confinement.assertConfined("partitionsRevoked")
        machine.revoked(partitions, lost: lost, now: clock.now)
        _ = runCallback()
    }

    /// Carries out the machine's actions until the rebalance callback ends.
    private func runCallback() -> [SourcePartition: PartitionStart] {
        while true {
            tellStop()
            let action = machine.nextAction(now: clock.now)
            if case .endCallback(let starts) = action { return starts }
            perform(action)
        }
    }
}
