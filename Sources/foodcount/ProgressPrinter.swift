import FoodCountOperations
import Foundation

/// Writes a recount's progress to standard error, exactly as ``RecountProgress`` decides: a bar redrawn in place
/// when standard error is a terminal, plain lines otherwise. Standard output and `--json` stay clean.
final class ProgressPrinter {
    private var progress: RecountProgress?
    private let start = ContinuousClock.now

    /// Starts; prints nothing when `enabled` is false (`--no-progress`).
    /// - Parameters:
    ///   - total: How many events the recount is expected to read.
    ///   - enabled: Whether to print at all.
    init(total: Int64, enabled: Bool) {
        let style: RecountProgress.Style = isatty(STDERR_FILENO) == 1 ? .bar : .lines
        progress = enabled ? RecountProgress(total: total, configuration: .init(style: style)) : nil
    }

    /// Tells how many events were read so far.
    func update(_ done: Int64) {
        if let text = progress?.update(done: done, elapsed: .now - start) { write(text) }
    }

    /// Tells that the recount read `done` events and is over.
    func finish(_ done: Int64) {
        if let text = progress?.finish(done: done) { write(text) }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
