import FoodCountCore
import Foundation

/// An advisory lock on a file (`flock`): shared by every store that has a pair of files open, exclusive for an
/// operator command that rewrites them. Released with ``release()``, when the value goes, or when the process
/// ends, whatever way it ends.
public final class FileLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Takes the lock at once or throws.
    /// - Parameters:
    ///   - path: The lock file; created when missing.
    ///   - exclusive: Exclusive (an operator command) or shared (a store).
    /// - Throws: `StoreError.busy` when the lock is held the other way.
    init(path: String, exclusive: Bool) throws(StoreError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError(code: .readOnly, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
            close(descriptor)
            descriptor = -1
            throw StoreError(
                code: .busy,
                message: exclusive
                    ? "a consumer has \(path.dropLast(5)) open; stop every consumer of these files first"
                    : "an operator command (rebuild, offsets reset) is rewriting \(path.dropLast(5)); start the consumer when it is done"
            )
        }
    }

    deinit { release() }

    /// Releases the lock.
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }
}
