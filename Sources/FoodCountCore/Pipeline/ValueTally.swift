/// How often each remembered value occurred in the current run of one partition, so that the aggregator
/// is updated once per distinct value instead of once per record. Slots are `DecodedValueCache` slots.
struct ValueTally {
    private var counts: [Int] = []  // one per cache slot, taken at the first tally
    private var touched: [Int] = []
    /// The offset of the last record tallied.
    private(set) var lastOffset: Int64 = -1

    /// Whether nothing was tallied since the last drain.
    var isEmpty: Bool { touched.isEmpty }

    /// Tallies one record of the value in `slot`.
    mutating func add(slot: Int, offset: Int64) {
        if counts.isEmpty { counts = [Int](repeating: 0, count: DecodedValueCache.capacity) }
        if counts[slot] == 0 { touched.append(slot) }
        counts[slot] += 1
        lastOffset = offset
    }

    /// Hands every tallied slot and its count to `body`, and empties the tally.
    mutating func drain(_ body: (_ slot: Int, _ count: Int) -> Void) {
        for slot in touched {
            body(slot, counts[slot])
            counts[slot] = 0
        }
        touched.removeAll(keepingCapacity: true)
        lastOffset = -1
    }
}
