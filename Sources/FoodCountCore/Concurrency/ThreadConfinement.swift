import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks, in debug builds, that an object declared `@unchecked Sendable` because it is confined to one
/// thread is used from that thread only: the first thread that checks becomes the owner.
///
/// Release builds compile the checks away (they are `assert`s), so the hot paths pay nothing.
public final class ThreadConfinement: Sendable {
    private let owner = Mutex<pthread_t?>(nil)
    private let name: String

    /// Creates a check for an object.
    /// - Parameter name: What is confined, for the failure message.
    public init(_ name: String) {
        self.name = name
    }

    /// Stops the program, in debug builds, when called from another thread than the first one that called it.
    /// - Parameter operation: What was about to happen, for the failure message.
    @inlinable
    public func assertConfined(
        _ operation: @autoclosure () -> String = "", file: StaticString = #fileID, line: UInt = #line
    ) {
        assert(isOwnerThread(), "\(describe()) used off its thread: \(operation())", file: file, line: line)
    }

    /// Whether the calling thread is the owner, making it the owner if there is none yet.
    @usableFromInline
    func isOwnerThread() -> Bool {
        let current = pthread_self()
        return owner.withLock { owner in
            guard let known = owner else {
                owner = current
                return true
            }
            return pthread_equal(known, current) != 0
        }
    }

    /// Forgets the owner, so that the next thread that checks becomes it (a handover, such as `run()`
    /// taking over from the thread that set the object up).
    public func handOver() {
        owner.withLock { $0 = nil }
    }

    @usableFromInline
    func describe() -> String { name }
}
