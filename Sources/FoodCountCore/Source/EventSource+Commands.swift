extension EventSource {
    /// Carries out a command of the pipeline machine.
    /// - Returns: What the source said when it could not (only a move can fail).
    func carryOut(_ command: SourceCommand) -> (any Error)? {
        switch command {
        case .commitOffsets(let offsets): commit(offsets)
        case .pause(let partitions): pause(partitions)
        case .resume(let partitions): resume(partitions)
        case .seek(let moves, _):
            do { try seek(moves) } catch { return error }
        }
        return nil
    }
}
