import FoodCountCore
import FoodCountTesting
import XCTest

/// The in-memory fake follows the `CountStore` contract that the real stores follow.
final class InMemoryCountStoreConformanceTests: XCTestCase {
    func testFollowsTheCountStoreContract() async throws {
        try await CountStoreConformance(makeStorage: Self.storage).verifyAll()
    }

    /// One store is the whole storage: opening it again finds what it holds, and its simulated conditions
    /// stand for a locked, read-only or corrupt database.
    static func storage() -> CountStoreConformance.Storage {
        let store = InMemoryCountStore()
        return CountStoreConformance.Storage(
            open: { store },
            close: { _ in },
            counts: { try await store.counts() },
            provoke: { code in
                store.simulate(code)
                return { store.simulate(nil) }
            })
    }
}
