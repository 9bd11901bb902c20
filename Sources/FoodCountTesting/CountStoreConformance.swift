import FoodCountCore

/// The rules every `CountStore` follows, as checks that a backend's tests run against that backend's own
/// storage: atomic counts and offsets, fencing, offsets that survive a reopen, and stable error codes.
///
/// A backend plugs in with a factory of fresh, empty ``Storage``: how to open a store over it, how to close
/// one, how to read the counts, and how to provoke the conditions that a store reports as `busy`,
/// `read_only` and `corrupt`. Every check runs on storage of its own:
///
/// ```swift
/// final class InMemoryCountStoreConformanceTests: XCTestCase {
///     func testFollowsTheCountStoreContract() async throws {
///         try await CountStoreConformance {
///             let store = InMemoryCountStore()
///             return .init(
///                 open: { store }, close: { _ in }, counts: { try await store.counts() },
///                 provoke: { code in
///                     store.simulate(code)
///                     return { store.simulate(nil) }
///                 })
///         }.verifyAll()
///     }
/// }
/// ```
///
/// The checks never look inside the storage: they see it only through `CountStore` and ``Storage/counts``,
/// so a new backend runs them unchanged.
public struct CountStoreConformance: Sendable {
    private let makeStorage: @Sendable () throws -> Storage

    /// Creates the suite for a backend.
    /// - Parameter makeStorage: Makes fresh, empty storage of the backend, once for each check.
    public init(makeStorage: @escaping @Sendable () throws -> Storage) {
        self.makeStorage = makeStorage
    }

    /// Runs one check on fresh storage.
    /// - Parameter check: The check to run.
    /// - Throws: A ``Violation`` when the backend breaks the check's rule, or when the storage fails in a way
    ///   the check does not expect.
    public func verify(_ check: Check) async throws(Violation) {
        let storage: Storage
        do {
            storage = try makeStorage()
        } catch {
            throw Violation(check: check, message: "making the storage failed: \(error)")
        }
        defer {
            // A storage that cannot be removed must not hide what the check found.
            try? storage.discard()
        }
        do {
            try await check.run(on: storage)
        } catch let violation as Violation {
            throw Violation(check: check, message: violation.message, file: violation.file, line: violation.line)
        } catch {
            throw Violation(check: check, message: "stopped on an unexpected error: \(error)")
        }
    }

    /// Runs every check, each on fresh storage, and reports every rule the backend breaks.
    /// - Throws: A ``Failure`` listing each broken check.
    public func verifyAll() async throws(Failure) {
        var violations: [Violation] = []
        for check in Check.allCases {
            do {
                try await verify(check)
            } catch {
                violations.append(error)
            }
        }
        guard violations.isEmpty else { throw Failure(violations: violations) }
    }
}
