import FoodCountCore
import FoodCountKafka
import KafkaClient
import SQLiteStore

/// Makes sure no consumer counts into a pair of files while an operator command rewrites them: no local store
/// has them open (the pair's lock), and the consumer group has no member anywhere (its coordinator's state).
public enum ConsumersGuard {
    /// The reason a command refuses to run.
    public struct Refusal: Error, CustomStringConvertible {
        /// One line.
        public let description: String
    }

    /// Takes the pair's lock exclusively and checks the group; throws when a consumer runs.
    /// - Returns: The lock, to hold until the command is done.
    public static func ensureNoneRunning(
        files: SQLiteCountFiles, group: String, reader: KafkaLogReader
    ) throws -> FileLock {
        let lock: FileLock
        do {
            lock = try files.lockExclusively()
        } catch {
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
