import Hummingbird
import Synchronization

/// The encoded body of the full `GET /aggregated` answer, kept for the version of the counts it was read at:
/// while nothing changes, a request costs a version check and a reference to the same bytes, not a table
/// read and an encoding.
final class CountsBodyCache: Sendable {
    private let kept = Mutex<(version: String, body: ByteBuffer)?>(nil)

    /// The body kept for `version`, if it is the one kept; a body of another version is dropped.
    func body(for version: String) -> ByteBuffer? {
        kept.withLock { kept in
            guard kept?.version == version else {
                kept = nil  // out of date: let it go before the next one is built
                return nil
            }
            return kept?.body
        }
    }

    /// Keeps a body read at `version` (a body without a version is never kept).
    func keep(_ body: ByteBuffer, for version: String?) {
        guard let version else { return }
        kept.withLock { $0 = (version, body) }
    }
}
