import FoodCountCore

/// What the simulation knows was counted, record by record, and the invariant it checks after every commit:
/// the store's counts are exactly the categories of the records counted, each partition's stored counted
/// total is exactly the valid records counted from it, no record is counted twice, and no record is skipped
/// unless retention removed it and the pipeline said so.
///
/// A commit moves a partition's stored offset from the batch's `expected` to its `next`; the records it
/// counted are those the committing member's source delivered at those offsets (``SimulatedEventSource``
/// keeps them by segment), so a record read again after a move back is recognised by its identity.
final class SimulationLedger {
    private(set) var counted = Set<Int32>()
    private(set) var expected: [String: Int64] = [:]
    /// The valid records counted per partition: what its stored counted total must be.
    private(set) var expectedTotals: [SourcePartition: Int64] = [:]
    /// Ranges of partitions (by generation) the pipelines reported as removed before they were counted.
    private(set) var skips: [(partition: Int32, generation: Int, from: Int64, to: Int64)] = []
    private(set) var violations: [String] = []
    /// Where covered records are traced, when the run is.
    var trace: ((String) -> Void)?

    /// Records a violation of exactly-once.
    func violate(_ message: String) {
        if violations.count < 20 { violations.append(message) }
    }

    /// A pipeline reported records removed before they were counted.
    func skipped(_ partition: SourcePartition, generation: Int, from: Int64, to: Int64) {
        skips.append((partition.partition, generation, from, to))
    }

    /// Whether the records of a partition's generation in `from..<to` were reported skipped.
    func wasSkipped(_ partition: Int32, generation: Int, offset: Int64) -> Bool {
        skips.contains {
            $0.partition == partition && $0.generation == generation && $0.from <= offset && offset < $0.to
        }
    }

    /// A member's batch was written: counts the records it covered (those its source delivered below the
    /// new offsets and no commit covered yet), each once, and checks that it skipped nothing unreported.
    func committed(
        _ batch: CountBatch, by source: SimulatedEventSource, member: Int, broker: SimulatedBroker,
        previousLogIDs: [SourcePartition: String]
    ) {
        for (partition, advance) in batch.offsets.sorted(by: { $0.key < $1.key }) {
            let records = source.cover(partition, below: advance.next)
            if records.isEmpty, let expected = advance.expected, advance.next <= expected { continue }  // a move back
            guard let last = records.last, last.offset == advance.next - 1 else {
                violate("member \(member) stored \(partition) at \(advance.next) without having read up to it")
                continue
            }
            trace?("  covers \(partition) \(records.map(\.offset))")
            let sameLog = advance.logID == nil || previousLogIDs[partition] == advance.logID
            var expectedNext = sameLog ? advance.expected : nil
            for record in records {
                if let expectedNext, record.offset > expectedNext {
                    checkSkipped(partition, record.generation, from: expectedNext, to: record.offset, member: member)
                }
                expectedNext = record.offset + 1
                guard counted.insert(record.id).inserted else {
                    violate(
                        "member \(member) counted record \(record.id) (\(partition) at \(record.offset)) a second time")
                    continue
                }
                if let category = record.category {
                    expected[SimulatedRun.categories[Int(category)], default: 0] += 1
                    expectedTotals[partition, default: 0] += 1
                }
            }
        }
    }

    /// A batch went on past records it never read: they must have been removed by retention, and reported.
    private func checkSkipped(_ partition: SourcePartition, _ generation: Int, from: Int64, to: Int64, member: Int) {
        for offset in from..<to where !wasSkipped(partition.partition, generation: generation, offset: offset) {
            return violate("member \(member) skipped \(partition) at \(offset) without reporting it")
        }
    }

    /// Compares the store's counted totals (`StoredPosition.counted`) with the valid records counted per
    /// partition: a total is what the counts hold of its partition, whatever moves its offset went through.
    func check(totals: [SourcePartition: Int64], step: Int) {
        let stored = totals.filter { $0.value != 0 }
        let expected = expectedTotals.filter { $0.value != 0 }
        guard stored != expected else { return }
        violate(
            "after step \(step): the store's counted totals are \(stored.sorted { $0.key < $1.key }), but the records counted make \(expected.sorted { $0.key < $1.key })"
        )
    }

    /// Compares the store's counts with the records counted.
    func check(counts: [String: Int64], step: Int) {
        let stored = counts.filter { $0.value != 0 }
        guard stored != expected else { return }
        violate(
            "after step \(step): the store counts \(stored.sorted { $0.key < $1.key }), but the records counted make \(expected.sorted { $0.key < $1.key })"
        )
    }
}
