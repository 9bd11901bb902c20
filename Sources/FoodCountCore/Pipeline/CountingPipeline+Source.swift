import Logging

extension CountingPipeline {
    /// Counts or drops a run of records of one partition, as the machine admits it.
    func process(_ run: any SourceRun) {
        confinement.assertConfined("process")
        let partition = run.partition
        guard case .count(let floor) = machine.admit(partition) else {
            if let onRunDropped, run.count > 0 {
                onRunDropped(partition, run.makeRecord(at: 0).offset, run.makeRecord(at: run.count - 1).offset)
            }
            return recorder.consumed(run.count, from: partition, dropped: run.count)
        }
        let outcome = counter.count(run, floor: floor, into: &machine.pending.aggregator)
        recorder.consumed(run.count, from: partition, invalid: outcome.rejected.count)
        machine.duplicatesDropped(outcome.belowFloor, of: partition, now: clock.now)
        for (index, error) in outcome.rejected {
            if let letter = courier.reject(run.makeRecord(at: index), error) { machine.pending.add(letter) }
        }
    }

    /// Tells the source what the machine decided; a move it cannot make goes back.
    func tell(_ command: SourceCommand) {
        do {
            switch command {
            case .commitOffsets(let offsets): source.commit(offsets)
            case .pause(let partitions): source.pause(partitions)
            case .resume(let partitions): source.resume(partitions)
            case .seek(let moves, _): try source.seek(moves)
            }
        } catch {
            machine.sourceCommandFailed(command, error: error, now: clock.now)
        }
    }

    /// Partitions were assigned (inside a poll): the machine reads their stored offsets and says where each
    /// starts.
    func partitionsAssigned(
        _ partitions: [SourcePartition], logIDs: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] {
        confinement.assertConfined("partitionsAssigned")
        machine.assigned(partitions, logIDs: logIDs, now: clock.now)
        return runCallback()
    }

    /// Partitions are revoked (inside a poll, or the source's close): their work is committed or dropped
    /// before this returns.
    func partitionsRevoked(_ partitions: [SourcePartition], lost: Bool) {
        confinement.assertConfined("partitionsRevoked")
        machine.revoked(partitions, lost: lost, now: clock.now)
        _ = runCallback()
    }

    /// Carries out the machine's actions until the rebalance callback in progress ends.
    private func runCallback() -> [SourcePartition: PartitionStart] {
        while true {
            tellStop()
            let action = machine.nextAction(now: clock.now)
            if case .endCallback(let starts) = action { return starts }
            perform(action)
        }
    }
}
