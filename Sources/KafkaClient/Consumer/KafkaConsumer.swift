import CRdKafka
import Logging
import Synchronization

/// A Kafka group consumer over librdkafka, with caller-managed offsets and synchronous rebalance hooks.
///
/// Threading: ``subscribe(topics:handler:)``, ``poll(maxMessages:timeout:)``, ``commit(_:)`` and ``close()``
/// belong to one thread, the poll owner; they block, so run them on a dedicated thread, never on Swift's
/// cooperative pool. ``wakeup()`` and ``assignment`` may be used from any thread. Rebalance handler
/// methods and statistics run on the poll owner's thread, inside `poll` or `close`.
public final class KafkaConsumer: @unchecked Sendable {
    private let client: OpaquePointer
    private let queue: OpaquePointer
    let context: ConsumerContext
    private let contextReference: Unmanaged<ClientContext>
    private let logger: Logger
    private let state = Mutex<State>(.open)
    /// Keeps the handle alive while other threads use it (admin queries, watermarks), and destroys it once.
    let handleGuard = HandleGuard()
    private var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var bufferCapacity: Int
    private var topicNames: [OpaquePointer: String] = [:]
    private var lastTopic: (handle: OpaquePointer, name: String)?
    /// The librdkafka handle, for extensions in other files.
    var handle: OpaquePointer { client }

    private enum State { case open, closed }

    /// Creates a consumer; it connects when it subscribes.
    /// - Parameters:
    ///   - configuration: The consumer settings.
    ///   - logger: Where the consumer and librdkafka log.
    ///   - statisticsHandler: Receives librdkafka's statistics JSON when `statisticsInterval` is set.
    public init(
        configuration: Configuration,
        logger: Logger,
        statisticsHandler: (@Sendable (String) -> Void)? = nil
    ) throws(KafkaError) {
        try Librdkafka.requireSupportedVersion()
        try BootstrapServers.validate(configuration.bootstrapServers)
        try configuration.security.validate()
        if let key = configuration.overriddenOwnedProperty {
            throw KafkaError(
                code: .invalidConfiguration,
                message: "the property \(key) is the consumer's own and cannot be set: "
                    + (Configuration.ownedProperties[key] ?? ""))
        }
        self.logger = logger
        let pairs =
            configuration.librdkafkaProperties + [("log_level", String(RdKafkaLog.syslogLevel(for: logger.logLevel)))]
        let conf = try RdKafkaConf(pairs)
        context = ConsumerContext(logger: logger, statisticsHandler: statisticsHandler)
        contextReference = Unmanaged.passRetained(context as ClientContext)
        rd_kafka_conf_set_opaque(conf.handle, contextReference.toOpaque())
        rd_kafka_conf_set_log_cb(conf.handle, rdKafkaLogCallback)
        rd_kafka_conf_set_rebalance_cb(conf.handle, rebalanceCallback)
        rd_kafka_conf_set_offset_commit_cb(conf.handle, offsetCommitCallback)
        rd_kafka_conf_set_error_cb(conf.handle, rdKafkaErrorCallback)
        if statisticsHandler != nil { rd_kafka_conf_set_stats_cb(conf.handle, statisticsCallback) }
        do {
            client = try conf.makeClient(type: RD_KAFKA_CONSUMER)
        } catch {
            contextReference.release()
            throw error
        }
        rd_kafka_poll_set_consumer(client)
        queue = rd_kafka_queue_get_consumer(client)
        bufferCapacity = 0
        buffer = .allocate(capacity: 0)
    }

    deinit {
        destroy()
        buffer.deallocate()
    }

    /// Leaves the group if it has not (``close()``), then frees librdkafka's handle once the calls other
    /// threads have in progress return, and joins librdkafka's threads: nothing of librdkafka reaches Swift
    /// once this returns, and every later call throws ``KafkaError/Code/closed``. Call it before the process
    /// exits (`deinit` calls it too, but may run too late: during the exit itself). Idempotent; blocks.
    public func destroy() {
        handleGuard.destroy {
            if state.withLock({ $0 == .open }) {
                state.withLock { $0 = .closed }
                _ = rd_kafka_consumer_close(client)
            }
            context.silenced.store(true, ordering: .releasing)
            rd_kafka_queue_destroy(queue)
            rd_kafka_destroy(client)
            contextReference.release()
        }
    }

    /// Joins the group and subscribes to topics.
    /// - Parameters:
    ///   - topics: The topics to consume.
    ///   - handler: Receives assignments and revocations synchronously; held weakly.
    public func subscribe(topics: [String], handler: any RebalanceHandler) throws(KafkaError) {
        context.handler = handler
        context.subscribedTopics.withLock { $0 = topics }
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, -1)  // RD_KAFKA_PARTITION_UA
        }
        let err = rd_kafka_subscribe(client, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .subscription, rdKafka: err, context: "subscribe to \(topics)")
        }
    }

    /// Waits up to `timeout` for messages and returns up to `maxMessages` of them, copied.
    ///
    /// Rebalance callbacks run inside this call. Returns early, possibly empty, after ``wakeup()``.
    /// Informational errors are logged and remembered in ``lastError``; fatal errors, and the broker refusing the
    /// client's credentials or TLS handshake (``KafkaError/Code/authentication``), throw.
    /// - Parameters:
    ///   - maxMessages: The most messages to return.
    ///   - timeout: How long to block when nothing is available.
    public func poll(maxMessages: Int, timeout: Duration) throws(KafkaError) -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        try poll(maxMessages: maxMessages, timeout: timeout) { message in
            messages.append(message.makeMessage())
        }
        return messages
    }

    /// Waits up to `timeout` for messages and lends up to `maxMessages` of them to `body`, in order, without
    /// copying them.
    ///
    /// Each ``KafkaMessageView`` is valid only inside `body`. Otherwise this behaves like
    /// ``poll(maxMessages:timeout:)``.
    /// - Parameters:
    ///   - maxMessages: The most messages to visit.
    ///   - timeout: How long to block when nothing is available.
    ///   - body: Receives each message.
    /// - Returns: How many messages `body` received.
    @discardableResult
    public func poll(
        maxMessages: Int,
        timeout: Duration,
        _ body: (KafkaMessageView) -> Void
    ) throws(KafkaError) -> Int {
        try pollRuns(maxMessages: maxMessages, timeout: timeout) { run in run.forEach { body($1) } }
    }

    /// Waits up to `timeout` for messages and lends up to `maxMessages` of them to `body` in runs of one
    /// partition, in order, without copying them: the lowest-cost way to consume, since a reader can look a
    /// partition up once per run.
    ///
    /// Each ``KafkaMessageRun`` is valid only inside `body`. Otherwise this behaves like
    /// ``poll(maxMessages:timeout:)``.
    /// - Parameters:
    ///   - maxMessages: The most messages to visit.
    ///   - timeout: How long to block when nothing is available.
    ///   - body: Receives each run.
    /// - Returns: How many messages `body` received.
    @discardableResult
    public func pollRuns(
        maxMessages: Int,
        timeout: Duration,
        _ body: (KafkaMessageRun) -> Void
    ) throws(KafkaError) -> Int {
        guard state.withLock({ $0 == .open }) else {
            throw KafkaError(code: .closed, message: "poll on a closed consumer")
        }
        if bufferCapacity < maxMessages {
            buffer.deallocate()
            buffer = .allocate(capacity: maxMessages)
            bufferCapacity = maxMessages
        }
        let count = try collect(maxMessages: maxMessages, timeout: timeout)
        // An assignment librdkafka refused leaves partitions owned but never fetched: fail rather than stop
        // counting in silence (a restarted member joins again).
        if let refusal = context.connectionRefusal.withLock({ $0 }) ?? context.assignFailure.withLock({ $0 }) {
            for index in 0..<count { if let raw = buffer[index] { rd_kafka_message_destroy(raw) } }
            throw refusal
        }
        var index = 0
        defer {  // a fatal error stops the visit; the rest of the batch is still released
            while index < count {
                if let raw = buffer[index] { rd_kafka_message_destroy(raw) }
                index += 1
            }
        }
        var visited = 0
        while index < count {
            guard let raw = buffer[index] else {
                index += 1
                continue
            }
            if raw.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                try handleError(raw)  // when it throws, the deferred loop above releases this message too
                rd_kafka_message_destroy(raw)
                index += 1
                continue
            }
            let end = runEnd(from: index, count: count)
            let last = buffer[end - 1]!
            let run = KafkaMessageRun(
                topic: topicName(raw.pointee.rkt), partition: raw.pointee.partition,
                messages: UnsafeBufferPointer(start: buffer + index, count: end - index))
            body(run)
            advance(TopicPartition(topic: run.topic, partition: run.partition), to: last.pointee.offset + 1)
            visited += end - index
            while index < end {
                rd_kafka_message_destroy(buffer[index]!)
                index += 1
            }
        }
        if visited > 0 { context.lastError.withLock { $0 = nil } }
        return visited
    }

    /// The end of the run of messages of one partition that starts at `start`.
    private func runEnd(from start: Int, count: Int) -> Int {
        let first = buffer[start]!.pointee
        var end = start + 1
        while end < count, let raw = buffer[end], raw.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR,
            raw.pointee.rkt == first.rkt, raw.pointee.partition == first.partition
        {
            end += 1
        }
        return end
    }

    /// Whether this member owns partitions and has read every one of them to the end of its log, as of
    /// the last poll (see ``isAtEnd(_:)``): the stream has paused. A poll owner can act on that at once
    /// (commit, report) rather than wait for an idle poll. Call on the poll owner's thread.
    public var isCaughtUp: Bool {
        let owned = assignment
        return !owned.isEmpty && owned.allSatisfy(isAtEnd)
    }

    /// The next offset to read per assigned partition, where known: the offset it was assigned at, then the
    /// one after the last message delivered. (`rd_kafka_position` knows nothing before the first message.)
    /// Call on the poll owner's thread.
    public var positions: [TopicPartition: Int64] { context.positions }

    /// Whether a partition has been read to the end of its log, as of the last poll: its position (after
    /// the last message delivered, or the offset it was assigned at) reached the high watermark of the last
    /// fetch response, which is known with the last message, with no extra round trip; or its log is
    /// empty. Not before the first fetch response since the partition's assignment
    /// (``freshWatermarks(for:)``). Call on the poll owner's thread.
    ///
    /// librdkafka's end-of-partition events are not used: with `rd_kafka_consume_batch_queue`, librdkafka
    /// 2.8.0 moves the application position one past the event's offset, and a pause (which librdkafka
    /// also does by itself during rebalances) then resumes fetching there, skipping a message.
    /// - Parameter partition: An assigned partition.
    public func isAtEnd(_ partition: TopicPartition) -> Bool {
        guard let (low, high) = freshWatermarks(for: partition) else { return false }
        guard let position = context.positions[partition] else { return low == high }
        return position >= high
    }

    /// Commits offsets to Kafka asynchronously (the next offset to read, per partition).
    /// - Parameter offsets: Next offsets by partition.
    public func commit(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(client, list, 1)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .commit, rdKafka: err, context: "commit")
        }
    }

    /// Makes a blocked ``poll(maxMessages:timeout:)`` return now. Safe from any thread.
    public func wakeup() {
        // Under the state lock, so that no wakeup lands once close() began: rd_kafka_consumer_close waits on
        // a queue that the consumer queue forwards to, and a yield would end that wait before the close is done.
        state.withLock { state in
            if state == .open { rd_kafka_queue_yield(queue) }
        }
    }

    /// The partitions this member owns now.
    public var assignment: Set<TopicPartition> {
        context.assignment.withLock { $0 }
    }

    /// The last error librdkafka reported since messages last arrived, if any.
    public var lastError: KafkaError? {
        context.lastError.withLock { $0 }
    }

    /// Asks the broker for a partition's low and high watermarks. Blocks up to `timeout`.
    /// - Parameters:
    ///   - partition: The partition to query.
    ///   - timeout: How long to wait for the broker.
    public func queryWatermarks(
        for partition: TopicPartition,
        timeout: Duration
    ) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let client = self.client
        let err = try handleGuard.use("query watermarks") { () throws(KafkaError) in
            rd_kafka_query_watermark_offsets(
                client, partition.topic, partition.partition, &low, &high, Int32(timeout.milliseconds))
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                code: .query, rdKafka: err, context: "query watermarks", topic: partition.topic,
                partition: partition.partition)
        }
        return (low, high)
    }

    /// Leaves the group cleanly: revocation runs through the handler, then the member leaves.
    /// Idempotent.
    public func close() throws(KafkaError) {
        let wasOpen = state.withLock { state -> Bool in
            defer { state = .closed }
            return state == .open
        }
        guard wasOpen else { return }
        let err = rd_kafka_consumer_close(client)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .consume, rdKafka: err, context: "close")
        }
        logger.info("consumer left the group")
    }

    /// Fills `buffer` with what is ready now; when nothing is, waits up to `timeout` for the first message
    /// and then takes what is ready with it. (`rd_kafka_consume_batch_queue` alone keeps waiting until the
    /// batch is full or the timeout expires, which would hold every message of a slow stream for the whole
    /// timeout.)
    private func collect(maxMessages: Int, timeout: Duration) throws(KafkaError) -> Int {
        var count = rd_kafka_consume_batch_queue(queue, 0, buffer, maxMessages)
        if count == 0, timeout > .zero, let first = rd_kafka_consume_queue(queue, Int32(timeout.milliseconds)) {
            buffer[0] = first
            let more = maxMessages > 1 ? rd_kafka_consume_batch_queue(queue, 0, buffer + 1, maxMessages - 1) : 0
            count = 1 + max(0, more)
        }
        guard count >= 0 else {
            throw KafkaError(code: .consume, rdKafka: rd_kafka_last_error(), context: "consume")
        }
        return count
    }

    /// Forgets the positions of partitions (after a seek, which moves them).
    func forgetProgress(of partitions: some Sequence<TopicPartition>) {
        context.forgetProgress(of: partitions)
    }

    /// Records a partition's position after a run of its messages was delivered.
    private func advance(_ partition: TopicPartition, to next: Int64) {
        context.positions[partition] = next
        context.fetchedSinceAssignment.insert(partition)
    }

    private func topicName(_ topic: OpaquePointer?) -> String {
        guard let topic else { return "" }
        if let lastTopic, lastTopic.handle == topic { return lastTopic.name }
        let name = topicNames[topic] ?? String(cString: rd_kafka_topic_name(topic))
        topicNames[topic] = name
        lastTopic = (topic, name)
        return name
    }

    /// Whether a fetch error says that a topic, or the ID the client knows it by, is unknown.
    static func doubtsTopic(_ err: rd_kafka_resp_err_t) -> Bool {
        [
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_ID,
            RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
            RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
        ].contains(err)
    }

    private func handleError(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) throws(KafkaError) {
        let err = raw.pointee.err
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return }
        let topic = raw.pointee.rkt.map { topicName($0) }
        let partition = raw.pointee.rkt == nil ? nil : raw.pointee.partition
        var detail = err
        var reason = [CChar](repeating: 0, count: 512)
        let fatal = rd_kafka_fatal_error(client, &reason, reason.count)
        if fatal != RD_KAFKA_RESP_ERR_NO_ERROR {
            detail = fatal
            throw KafkaError(code: .fatal, rdKafka: detail, context: "fatal consumer error")
        }
        let text = raw.pointee.payload.map {
            String(decoding: UnsafeRawBufferPointer(start: $0, count: raw.pointee.len), as: UTF8.self)
        }
        if let refusal = ClientContext.refusal(err, text ?? String(cString: rd_kafka_err2str(err))) {
            context.connectionRefusal.withLock { $0 = $0 ?? refusal }
            throw refusal
        }
        let error = KafkaError(code: .consume, rdKafka: detail, context: "consumer", topic: topic, partition: partition)
        if err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET {
            logger.warning(
                "offset out of range",
                metadata: ["topic": "\(topic ?? "?")", "partition": "\(partition ?? -1)", "error": "\(error)"])
            if let topic, let partition {
                context.handler?.partitionOutOfRange(TopicPartition(topic: topic, partition: partition))
            }
        } else {
            logger.warning("\(error)")
            if let topic, Self.doubtsTopic(err) { context.handler?.topicInDoubt(topic) }
        }
        context.lastError.withLock { $0 = error }
    }
}
