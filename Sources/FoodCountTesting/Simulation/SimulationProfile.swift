/// What a simulation may do, and how often: the weights of its steps and the chances of its faults.
public struct SimulationProfile: Sendable {
    /// How many partitions the topic has (chosen per seed).
    public var partitions: ClosedRange<Int> = 1...3
    /// How many members of the consumer group start (chosen per seed).
    public var members: ClosedRange<Int> = 1...3
    /// The chance that a commit's outcome is unknown to its member (written or not).
    public var unknownOutcome = 0.03
    /// The chance that a produced record is not a valid event.
    public var invalidRecords = 0.03
    /// Weights of the steps: producing, stepping a member, ending a commit in flight, letting time pass.
    public var produceWeight = 25
    public var memberWeight = 45
    public var commitWeight = 10
    public var timeWeight = 5
    /// The weight of all faults together; each fault is chosen evenly among the enabled ones.
    public var faultWeight = 15
    /// The faults that may happen.
    public var faults: Set<SimulationFault> = Set(SimulationFault.allCases)

    /// Every step and fault, at the default weights.
    public static let standard = SimulationProfile()

    /// Creates the standard profile; change what you need.
    public init() {}
}

/// Something the simulation does to the pipeline's world.
public enum SimulationFault: String, Sendable, CaseIterable {
    /// The group moves partitions between members (revocations that commit first).
    case rebalance
    /// A member freezes past its session timeout: its partitions go to others at once, and it hears of the
    /// loss only when it wakes (a zombie meanwhile).
    case freeze
    /// A frozen member wakes.
    case wake
    /// A member is killed: nothing uncommitted survives; a commit in flight may or may not have been written.
    case crash
    /// A member starts and joins the group.
    case join
    /// A member stops gracefully.
    case stop
    /// The store fails every read and commit for a while, transiently.
    case storeOutage
    /// A partition's leader fails over: its high watermark lags, and ListOffsets is refused, for a while.
    case failover
    /// A lagging follower refuses a valid position (OFFSET_OUT_OF_RANGE that the leader does not confirm).
    case spuriousOutOfRange
    /// Retention removes records at a partition's start, maybe before they were counted.
    case retention
    /// An unclean leader election truncates a partition's tail.
    case truncation
    /// The topic is deleted and created again under the same name.
    case recreateTopic
    /// A member of a second consumer group starts on the same database.
    case secondGroup
    /// The members' topic monitors report the topic's ID.
    case metadataRefresh
    /// A member's fetches move to a recreated topic's new logs in place, with an error that puts the topic in
    /// doubt until its ID is reported.
    case fetchSwitchesLogs
    /// A member hears the topic's previous ID (stale metadata).
    case staleMetadata
    /// A source delivers records again below its position without being moved (a client bug).
    case redelivery
}
