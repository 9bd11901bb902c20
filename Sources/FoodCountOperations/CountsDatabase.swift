import FoodCountCore

/// Where the operator commands read and rewrite one consumer group's counts and stored offsets: a SQLite pair
/// of files (``SQLiteStore/SQLiteCountFiles``) or a PostgreSQL database
/// (``PostgresStore/PostgresCountStore``).
public protocol CountsDatabase: Sendable {
    /// Reads the counts and every stored offset together, as they were at one moment.
    func snapshot() throws(StoreError) -> CountsSnapshot

    /// This group's stored offsets of a topic by partition: none when nothing was counted yet.
    /// - Parameters:
    ///   - group: The consumer group.
    ///   - topic: The topic.
    func storedOffsets(group: String, topic: String) throws(StoreError) -> [Int32: Int64]

    /// Takes the lock that keeps other writers away while the counts are rewritten, without waiting.
    /// - Returns: The lock, to release when done.
    /// - Throws: `StoreError` `busy` when another command (or, for SQLite, a consumer) holds it.
    func lockForRewrite() throws(StoreError) -> any CountsDatabaseLock

    /// Replaces the counts and every stored offset by rebuilt ones; a reader of the counts sees the old ones or
    /// the new ones, never a mix. Call with the rewrite lock held.
    ///
    /// Afterwards the database holds this group's offsets alone: the counts are one group's, and a member of
    /// another group refuses them at its start (it would count the log again).
    /// - Parameter rebuilt: The new counts, and the new offsets (with no expected value).
    func replace(with rebuilt: CountBatch) throws(StoreError)
}

/// A lock taken by ``CountsDatabase/lockForRewrite()``.
public protocol CountsDatabaseLock: Sendable {
    /// Releases the lock.
    func release()
}

extension CountsDatabase {
    /// Implements ``CountsDatabase/storedOffsets(group:topic:)`` from a snapshot.
    public func storedOffsets(group: String, topic: String) throws(StoreError) -> [Int32: Int64] {
        try snapshot().storedOffsets(group: group, topic: topic)
    }
}
