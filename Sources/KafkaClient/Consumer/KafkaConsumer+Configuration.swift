extension KafkaConsumer {
    /// What to do when a partition has no valid start offset.
    public enum OffsetReset: String, Sendable, CaseIterable {
        /// Start at the oldest message.
        case earliest
        /// Start after the newest message.
        case latest
    }

    /// The partition assignment strategy of the group.
    public enum AssignmentStrategy: String, Sendable {
        /// Incremental (cooperative) rebalancing: members keep the partitions they still own.
        case cooperativeSticky = "cooperative-sticky"
        /// Eager range assignment: every rebalance revokes everything.
        case range
        /// Eager round-robin assignment.
        case roundRobin = "roundrobin"
    }

    /// Consumer settings. Offsets are always managed by the caller (`enable.auto.commit=false`).
    public struct Configuration: Sendable {
        /// `host:port[,host:port]` of the bootstrap brokers.
        public var bootstrapServers: String
        /// The consumer group.
        public var groupID: String
        /// The client id reported to the broker.
        public var clientID: String
        /// How long the group waits for a silent member before rebalancing (`session.timeout.ms`).
        public var sessionTimeout: Duration
        /// Where to start when there is no valid offset (`auto.offset.reset`).
        public var autoOffsetReset: OffsetReset
        /// The assignment strategy (`partition.assignment.strategy`).
        public var assignmentStrategy: AssignmentStrategy
        /// How long the broker may hold a fetch request open waiting for data (`fetch.wait.max.ms`); it bounds
        /// the delay a new message can wait on a broker that answers only when the wait expires.
        public var fetchMaxWait: Duration
        /// The most bytes one fetch response may carry (`fetch.max.bytes`). With small messages this, more than
        /// the payload, bounds memory: librdkafka keeps about 300 bytes of bookkeeping per fetched message.
        public var maxFetchBytes: Int
        /// How many messages per partition librdkafka tries to keep prefetched (`queued.min.messages`).
        public var prefetchMessages: Int
        /// How long fetching pauses once the prefetch queue is full (`fetch.queue.backoff.ms`). librdkafka's own
        /// default of 1 s leaves a fast consumer idle most of the time; see docs/benchmarks.md.
        public var fetchQueueBackoff: Duration
        /// How often librdkafka emits statistics, or `nil` for never (`statistics.interval.ms`).
        public var statisticsInterval: Duration?
        /// TLS and SASL settings, shared with the program's other clients.
        public var security: KafkaSecurity
        /// Raw librdkafka properties, applied last: the escape hatch for anything not typed here.
        public var properties: [String: String]
        /// Whether a position the broker refuses (OFFSET_OUT_OF_RANGE) is reported to the rebalance handler
        /// (``RebalanceHandler/partitionOutOfRange(_:)``) instead of moved by ``autoOffsetReset``: librdkafka's
        /// `auto.offset.reset=error`. The partition then stops fetching until it is moved (``KafkaConsumer/seek(_:timeout:)``),
        /// and ``autoOffsetReset`` applies only where a caller passes it as a start.
        public var reportsOutOfRange = false

        /// Creates a configuration.
        /// - Parameters:
        ///   - bootstrapServers: `host:port[,host:port]` of the brokers.
        ///   - groupID: The consumer group.
        ///   - clientID: The client id.
        ///   - sessionTimeout: The group session timeout.
        ///   - autoOffsetReset: Where to start without a valid offset.
        ///   - assignmentStrategy: The partition assignment strategy.
        ///   - fetchMaxWait: How long the broker may hold a fetch open.
        ///   - maxFetchBytes: The most bytes per fetch response.
        ///   - prefetchMessages: How many messages per partition to keep prefetched.
        ///   - fetchQueueBackoff: How long fetching pauses once the prefetch queue is full.
        ///   - statisticsInterval: How often to emit statistics, or `nil`.
        ///   - security: TLS and SASL settings.
        ///   - properties: Raw librdkafka properties, applied last.
        public init(
            bootstrapServers: String = "localhost:9092",
            groupID: String = "foodcount",
            clientID: String = "foodcount-consumer",
            sessionTimeout: Duration = .seconds(10),
            autoOffsetReset: OffsetReset = .earliest,
            assignmentStrategy: AssignmentStrategy = .cooperativeSticky,
            fetchMaxWait: Duration = .milliseconds(100),
            maxFetchBytes: Int = 1_048_576,
            prefetchMessages: Int = 25_000,
            fetchQueueBackoff: Duration = .milliseconds(5),
            statisticsInterval: Duration? = nil,
            security: KafkaSecurity = KafkaSecurity(),
            properties: [String: String] = [:]
        ) {
            self.bootstrapServers = bootstrapServers
            self.groupID = groupID
            self.clientID = clientID
            self.sessionTimeout = sessionTimeout
            self.autoOffsetReset = autoOffsetReset
            self.assignmentStrategy = assignmentStrategy
            self.fetchMaxWait = fetchMaxWait
            self.maxFetchBytes = maxFetchBytes
            self.prefetchMessages = prefetchMessages
            self.fetchQueueBackoff = fetchQueueBackoff
            self.statisticsInterval = statisticsInterval
            self.security = security
            self.properties = properties
        }

        /// The librdkafka properties the consumer decides itself, which ``properties`` may not set, each with why
        /// or what sets it instead: exactly-once rests on them. ``KafkaConsumer/init(configuration:logger:statisticsHandler:)``
        /// refuses a configuration whose ``properties`` name one.
        public static let ownedProperties: [String: String] = [
            "group.id": "the group is the configuration's groupID (CONSUMER_GROUP, --group)",
            "enable.auto.commit": "offsets are stored with the counts, never committed by librdkafka on its own",
            "enable.auto.offset.store": "offsets are stored with the counts, never by librdkafka on its own",
            "isolation.level": "read_committed: records of aborted transactions are never counted",
            "auto.offset.reset": "the start of a partition is the configuration's autoOffsetReset (AUTO_OFFSET_RESET)",
            "enable.partition.eof": "the end of a partition is told by its high watermark",
            "rebalance_cb": "the consumer's rebalance callback decides where partitions start",
            "offset_commit_cb": "the consumer's own",
        ]

        /// The first of ``properties`` that ``ownedProperties`` names, if any, in key order.
        public var overriddenOwnedProperty: String? {
            properties.keys.sorted().first { Self.ownedProperties[$0] != nil }
        }

        /// The librdkafka properties this configuration stands for, in the order they are applied.
        public var librdkafkaProperties: [(String, String)] {
            var pairs: [(String, String)] = [
                ("bootstrap.servers", bootstrapServers),
                ("group.id", groupID),
                ("client.id", clientID),
                ("session.timeout.ms", String(sessionTimeout.milliseconds)),
                ("heartbeat.interval.ms", String(max(100, sessionTimeout.milliseconds / 3))),
                ("auto.offset.reset", reportsOutOfRange ? "error" : autoOffsetReset.rawValue),
                ("partition.assignment.strategy", assignmentStrategy.rawValue),
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("isolation.level", "read_committed"),
                ("enable.partition.eof", "false"),  // see isAtEnd(_:): a pause after the event skips a message
                ("fetch.wait.max.ms", String(fetchMaxWait.milliseconds)),
                ("fetch.max.bytes", String(maxFetchBytes)),
                ("queued.min.messages", String(prefetchMessages)),
                ("fetch.queue.backoff.ms", String(fetchQueueBackoff.milliseconds)),
                ("statistics.interval.ms", String(statisticsInterval?.milliseconds ?? 0)),
            ]
            pairs += security.librdkafkaProperties
            pairs += properties.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value) }
            return pairs
        }
    }
}
