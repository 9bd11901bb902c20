import FoodCountCore
import Foundation
import PostgresStore
import SQLiteStore

extension SQLiteCountFiles: CountsDatabase {
    /// Implements ``CountsDatabase/storedOffsets(group:topic:)``: none while there is no offsets file yet.
    public func storedOffsets(group: String, topic: String) throws(StoreError) -> [Int32: Int64] {
        guard FileManager.default.fileExists(atPath: configuration.resolvedConsumerDatabasePath) else { return [:] }
        return try snapshot().storedOffsets(group: group, topic: topic)
    }

    /// Implements ``CountsDatabase/lockForRewrite()``: the pair's lock, which every open store shares, taken
    /// exclusively.
    public func lockForRewrite() throws(StoreError) -> any CountsDatabaseLock {
        try lockExclusively()
    }

    /// Implements ``CountsDatabase/replace(with:)``: builds a new pair beside this one from the batch, then
    /// puts each file in place with one rename (``replace(with:)-(SQLiteCountFiles)``).
    public func replace(with rebuilt: CountBatch) throws(StoreError) {
        var scratch = configuration
        scratch.databasePath = configuration.databasePath + ".rebuild"
        scratch.consumerDatabasePath = configuration.resolvedConsumerDatabasePath + ".rebuild"
        let scratchFiles = SQLiteCountFiles(configuration: scratch)
        scratchFiles.remove()
        let store = try SQLiteCountStore(configuration: scratch)
        try store.commit(rebuilt)
        try store.close()
        unlink(scratchFiles.lockPath)
        try replace(with: scratchFiles)
    }

    /// Removes both files, their journals and the lock file.
    private func remove() {
        for path in [configuration.databasePath, configuration.resolvedConsumerDatabasePath] {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
        }
        unlink(lockPath)
    }
}

extension FileLock: CountsDatabaseLock {}

extension PostgresCountsDatabase: CountsDatabase {
    /// Implements ``CountsDatabase/lockForRewrite()``: the database's counts lock, exclusively.
    public func lockForRewrite() throws(StoreError) -> any CountsDatabaseLock {
        let lock: PostgresRewriteLock = try lockForRewrite()
        return lock
    }

    /// Implements ``CountsDatabase/replace(with:)``.
    public func replace(with rebuilt: CountBatch) throws(StoreError) {
        try replaceAll(with: rebuilt)
    }
}

extension PostgresRewriteLock: CountsDatabaseLock {}
