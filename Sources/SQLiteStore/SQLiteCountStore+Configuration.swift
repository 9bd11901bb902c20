extension SQLiteCountStore {
    /// Where the databases are and how the store waits for locks.
    public struct Configuration: Sendable {
        /// The API's database file, holding the counts table.
        public var databasePath: String
        /// The consumer-owned database file holding offsets; `nil` puts `foodcount-consumer.db` beside
        /// ``databasePath``.
        public var consumerDatabasePath: String?
        /// The consumer group whose offsets this store keeps.
        public var consumerGroup: String
        /// How long a statement waits for another connection's lock before failing as busy.
        public var busyTimeout: Duration

        /// Creates a configuration.
        /// - Parameters:
        ///   - databasePath: The API's database file.
        ///   - consumerDatabasePath: The consumer's offsets file, or `nil` for the default beside it.
        ///   - consumerGroup: The consumer group.
        ///   - busyTimeout: How long to wait for locks.
        public init(
            databasePath: String = "data/foodcount.db",
            consumerDatabasePath: String? = nil,
            consumerGroup: String = "foodcount",
            busyTimeout: Duration = .seconds(5)
        ) {
            self.databasePath = databasePath
            self.consumerDatabasePath = consumerDatabasePath
            self.consumerGroup = consumerGroup
            self.busyTimeout = busyTimeout
        }

        /// The consumer database's path after defaults.
        public var resolvedConsumerDatabasePath: String {
            if let consumerDatabasePath { return consumerDatabasePath }
            guard let slash = databasePath.lastIndex(of: "/") else { return "foodcount-consumer.db" }
            return String(databasePath[...slash]) + "foodcount-consumer.db"
        }
    }
}
