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
        /// The most memory SQLite's page cache of the counts file may use, in KiB. A commit touches a page
        /// per few dozen categories it changes: with 100,000 categories the table is about 10 MiB, and a
        /// cache smaller than that reads pages back at every commit and spills dirty pages (with an extra
        /// journal sync) in the middle of one (`docs/benchmarks.md`, "The consumer at high cardinality").
        /// Pages are taken as they are used, so a small table never fills it.
        public var pageCacheKiB: Int

        /// Creates a configuration.
        /// - Parameters:
        ///   - databasePath: The API's database file.
        ///   - consumerDatabasePath: The consumer's offsets file, or `nil` for the default beside it.
        ///   - consumerGroup: The consumer group.
        ///   - busyTimeout: How long to wait for locks.
        ///   - pageCacheKiB: The page cache's bound for the counts file, in KiB.
        public init(
            databasePath: String = "data/foodcount.db",
            consumerDatabasePath: String? = nil,
            consumerGroup: String = "foodcount",
            busyTimeout: Duration = .seconds(5),
            pageCacheKiB: Int = 32_768
        ) {
            self.databasePath = databasePath
            self.consumerDatabasePath = consumerDatabasePath
            self.consumerGroup = consumerGroup
            self.busyTimeout = busyTimeout
            self.pageCacheKiB = pageCacheKiB
        }

        /// The consumer database's path after defaults.
        public var resolvedConsumerDatabasePath: String {
            if let consumerDatabasePath { return consumerDatabasePath }
            guard let slash = databasePath.lastIndex(of: "/") else { return "foodcount-consumer.db" }
            return String(databasePath[...slash]) + "foodcount-consumer.db"
        }
    }
}
