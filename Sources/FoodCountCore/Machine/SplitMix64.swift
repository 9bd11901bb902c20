/// A small deterministic random number generator (SplitMix64): the machine's jitter, and the simulator's
/// every choice, come from a seed, so that a run is repeated exactly by its seed.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    package init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A number in 0..<1.
    package mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
