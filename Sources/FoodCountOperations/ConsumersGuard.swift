import FoodCountCore
import FoodCountKafka
import KafkaClient

/// Makes sure no consumer counts while an operator command rewrites the counts: the database's rewrite lock
/// is free (for SQLite, no local store has the files open; for PostgreSQL, no other command rewrites), and the
/// consumer group has no member anywhere (its coordinator's state).
public enum ConsumersGuard {
    /// The reason a command refuses to run.
    public struct Refusal: Error, CustomStringConvertible {
        /// One line.
        public let description: String
    }

    /// Takes the database's rewrite lock and checks the group; throws when a consumer runs.
    /// - Returns: The lock, to hold until the command is done.
    public static func ensureNoneRunning(
        database: any CountsDatabase, group: String, reader: KafkaLogReader
    ) throws -> any CountsDatabaseLock {
        let lock: any CountsDatabaseLock
        do {
            lock = try database.lockForRewrite()
        } catch {
            // Busy: a consumer or another command holds the files; anything else (PostgreSQL out of reach)
            // is not a refusal, and keeps its own exit status.
            guard error.code == .busy else { throw error }
            throw Refusal(description: "refusing: \(error.message)")
        }
        let state = try reader.groupState(group)
        guard !state.hasMembers else {
            lock.release()
            throw Refusal(
                description:
                    "refusing: consumer group '\(group)' has members (state \(state.rawValue)); stop every consumer of the group first"
            )
        }
        return lock
    }
}
