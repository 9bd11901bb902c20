import FoodCountCore

extension CountStoreConformance {
    /// One backend's storage for one check (a database, a pair of files, a schema), empty at first, and how
    /// the suite works with it.
    public struct Storage: Sendable {
        /// Opens a store over the storage. The first store finds it empty; later ones find what earlier ones
        /// committed, as a restarted process or another member of the consumer group would. Several stores
        /// may be open at once. (A backend with nothing to reopen, such as memory, may return the same
        /// store each time.)
        public var open: @Sendable () throws -> any CountStore
        /// Releases what a store holds (connections, locks), as a process that exits would. The suite closes
        /// every store it opened, and opens no store of its own while it provokes `read_only` or `corrupt`.
        public var close: @Sendable (any CountStore) throws -> Void
        /// The counts by category, as a reader of the storage sees them (the API's `CountReader`).
        public var counts: @Sendable () async throws -> [String: Int64]
        /// Brings the storage into the condition that a store reports with this code, and returns how to end
        /// the condition. The suite asks for:
        /// - `busy`, while a store is open: another connection holds the lock a commit
        ///   needs (the store must give up within a second or so, so open it with a short timeout);
        /// - `read_only`, while no store is open: the storage accepts reads but no writes;
        /// - `corrupt`, while no store is open: the storage's data is damaged (ending the
        ///   condition repairs it).
        public var provoke: @Sendable (StoreError.Code) throws -> @Sendable () throws -> Void
        /// Removes the storage; called once after its check, whatever the outcome.
        public var discard: @Sendable () throws -> Void

        /// Describes a backend's storage.
        /// - Parameters:
        ///   - open: Opens a store over the storage.
        ///   - close: Releases what a store holds.
        ///   - counts: Reads the counts as a reader sees them.
        ///   - provoke: Brings the storage into the condition behind a code and returns how to end it.
        ///   - discard: Removes the storage.
        public init(
            open: @escaping @Sendable () throws -> any CountStore,
            close: @escaping @Sendable (any CountStore) throws -> Void,
            counts: @escaping @Sendable () async throws -> [String: Int64],
            provoke: @escaping @Sendable (StoreError.Code) throws -> @Sendable () throws -> Void,
            discard: @escaping @Sendable () throws -> Void = {}
        ) {
            self.open = open
            self.close = close
            self.counts = counts
            self.provoke = provoke
            self.discard = discard
        }
    }
}
