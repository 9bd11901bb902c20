extension PostgresCountStore {
    /// Which database the store uses, for which consumer group, and how long it waits.
    public struct Configuration: Sendable {
        /// The database.
        public var location: PostgresLocation
        /// The consumer group whose offsets this store keeps.
        public var consumerGroup: String
        /// How long a statement waits for another transaction's lock before failing as busy.
        public var lockTimeout: Duration
        /// How long connecting may take before failing as unavailable.
        public var connectTimeout: Duration

        /// Creates a configuration.
        /// - Parameters:
        ///   - location: The database.
        ///   - consumerGroup: The consumer group.
        ///   - lockTimeout: How long to wait for locks.
        ///   - connectTimeout: How long connecting may take.
        public init(
            location: PostgresLocation,
            consumerGroup: String = "foodcount",
            lockTimeout: Duration = .seconds(5),
            connectTimeout: Duration = .seconds(10)
        ) {
            self.location = location
            self.consumerGroup = consumerGroup
            self.lockTimeout = lockTimeout
            self.connectTimeout = connectTimeout
        }
    }
}
