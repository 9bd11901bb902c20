/// A partitioned stream of records with group membership, such as a Kafka consumer.
///
/// Thread confinement: everything except ``wakeup()`` is called from one thread, the pipeline's. The
/// listener is called synchronously on that thread, inside ``poll(maxRecords:timeout:)`` or ``close()``.
public protocol EventSource: AnyObject, Sendable {
    /// Starts consuming; partition changes go to `listener` from now on.
    /// - Parameter listener: Chooses start offsets and finishes work on revocation; held weakly.
    func start(listener: any PartitionListener) throws

    /// Waits up to `timeout` for records and returns up to `maxRecords` of them.
    /// - Parameters:
    ///   - maxRecords: The most records to return.
    ///   - timeout: How long to block when nothing is available.
    func poll(maxRecords: Int, timeout: Duration) throws -> [SourceRecord]

    /// Waits up to `timeout` for records and lends up to `maxRecords` of them to `body` without copying
    /// them, in runs of one partition, in order. The pipeline consumes through this; the default splits the
    /// records of ``poll(maxRecords:timeout:)`` into runs.
    /// - Parameters:
    ///   - maxRecords: The most records to visit.
    ///   - timeout: How long to block when nothing is available.
    ///   - body: Receives each run; a run is valid only during its call.
    /// - Returns: How many records `body` received.
    @discardableResult
    func poll(maxRecords: Int, timeout: Duration, _ body: (any SourceRun) -> Void) throws -> Int

    /// Whether every owned partition has been read to the end of its log, as of the last poll: the stream
    /// paused, so the pipeline may commit at once instead of waiting for an idle poll. The default is
    /// `false`, for sources that cannot tell.
    var isCaughtUp: Bool { get }

    /// Reports progress to the stream's own bookkeeping (for lag tooling). Best effort and asynchronous:
    /// the store stays the source of truth.
    /// - Parameter offsets: The next offset to read, per partition.
    func commit(_ offsets: [SourcePartition: Int64])

    /// Stops fetching these partitions; polling goes on serving the group. Already fetched records may
    /// still arrive.
    /// - Parameter partitions: Owned partitions.
    func pause(_ partitions: [SourcePartition])

    /// Resumes fetching paused partitions.
    /// - Parameter partitions: Paused partitions.
    func resume(_ partitions: [SourcePartition])

    /// Moves owned partitions: the next record of each is the one at its new start, and records fetched
    /// before the move are not delivered. Only the pipeline moves partitions (a fenced commit, a log that
    /// changed); a source never does on its own, it reports facts (``takeFacts()``).
    /// - Parameter moves: Where each owned partition continues.
    func seek(_ moves: [SourcePartition: PartitionStart]) throws

    /// What the source learned since the last call: partitions out of range, watermarks below a position,
    /// topic identities. The pipeline takes them after each poll and decides. The default has none.
    func takeFacts() -> [SourceFact]

    /// Asks the broker where the partitions' logs begin and end now, and which logs they are (never a cached
    /// figure): the check that confirms or refutes an out-of-range report before a partition moves, and that
    /// tells a recreated topic behind a watermark below the position.
    /// - Parameter partitions: Owned partitions.
    /// - Throws: When the broker cannot answer now; the pipeline asks again later.
    func logBounds(of partitions: [SourcePartition]) throws -> [SourcePartition: LogBounds]

    /// Makes a blocked ``poll(maxRecords:timeout:)`` return early. Safe from any thread.
    func wakeup()

    /// Leaves the group: revocation goes through the listener first.
    func close() throws
}

extension EventSource {
    /// Implements ``isCaughtUp`` for sources that cannot tell: never.
    public var isCaughtUp: Bool { false }

    /// Implements ``takeFacts()`` for sources that learn nothing: none.
    public func takeFacts() -> [SourceFact] { [] }

    /// Implements ``logBounds(of:)`` for sources that cannot tell: always throws.
    public func logBounds(of partitions: [SourcePartition]) throws -> [SourcePartition: LogBounds] {
        throw LogBoundsUnavailable()
    }

    /// Lends the records of ``poll(maxRecords:timeout:)`` in runs of one partition: the default for sources
    /// that copy anyway.
    /// - Parameters:
    ///   - maxRecords: The most records to visit.
    ///   - timeout: How long to block when nothing is available.
    ///   - body: Receives each run.
    /// - Returns: How many records `body` received.
    @discardableResult
    public func poll(maxRecords: Int, timeout: Duration, _ body: (any SourceRun) -> Void) throws -> Int {
        let records = try poll(maxRecords: maxRecords, timeout: timeout)
        for run in SourceRecordRun.runs(of: records) { body(run) }
        return records.count
    }
}

/// Receives partition assignment changes synchronously.
public protocol PartitionListener: AnyObject {
    /// Partitions were assigned. Called before fetching starts.
    /// - Parameters:
    ///   - partitions: The new partitions.
    ///   - logIDs: The identity of each partition's log now (Kafka's topic ID, which a recreated topic
    ///     changes), where the source knows it.
    /// - Returns: Where each partition that has a start of its own starts; the others follow the source's
    ///   reset policy.
    func partitionsAssigned(_ partitions: [SourcePartition], logIDs: [SourcePartition: String])
        -> [SourcePartition: PartitionStart]

    /// Partitions are being revoked. Work for them must be finished, or dropped if `lost`, before returning.
    /// - Parameters:
    ///   - partitions: The partitions going away.
    ///   - lost: Whether ownership was already lost, so that pending work must be dropped.
    func partitionsRevoked(_ partitions: [SourcePartition], lost: Bool)
}
