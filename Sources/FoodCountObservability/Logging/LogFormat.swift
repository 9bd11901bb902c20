/// How log entries are written: as human-readable text or as one JSON object per line.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One human-readable line per entry, by swift-log's `StreamLogHandler`.
    case text
    /// One JSON object per line, by ``JSONLogHandler``, for log collectors.
    case json
}
