import Logging

extension PipelineMachine {
    /// Whether a run of records of a partition is counted, and from which offset on.
    package enum Admission: Equatable {
        /// Count the run's records at or above `floor` (all of them when `nil`); lower ones arrived before.
        case count(floor: Int64?)
        /// Drop the run: the partition is not owned, fenced, or out of range.
        case drop
        /// Drop the run and tell the machine where it began (``droppedInDoubt(_:from:)``): the partition's log
        /// is in doubt, and is read again from where it stood if the log turns out the same.
        case dropInDoubt

        /// Whether the run is counted.
        package var counts: Bool { if case .count = self { true } else { false } }
    }

    // MARK: Events

    /// A run of records of `partition` arrived: counted from where the partition's next record is expected,
    /// so that nothing below it is counted twice; dropped when the partition is not counted.
    package func admit(_ partition: SourcePartition) -> Admission {
        if ownership.counts(partition) { return .count(floor: admissionFloor(partition)) }
        return ownership.inDoubt[partition] != nil && !ownership.fenced.contains(partition) ? .dropInDoubt : .drop
    }

    /// A run of a partition whose log is in doubt was dropped; it began at `offset`.
    package mutating func droppedInDoubt(_ partition: SourcePartition, from offset: Int64) {
        ownership.droppedInDoubt(partition, from: offset)
    }

    /// Records of a run arrived below their partition's position and were not counted.
    package mutating func duplicatesDropped(_ count: Int, of partition: SourcePartition, now: Instant) {
        guard count > 0 else { return }
        record(.duplicatesDropped(count))
        log(
            .warning, "records arrived below the partition's position; not counted again",
            ["partition": "\(partition)", "records": "\(count)"])
    }

    /// A poll that began at `began` visited `visited` records; the source says whether it is caught up, and
    /// what it learned of its logs.
    package mutating func pollEnded(
        visited: Int, began: Instant, caughtUp: Bool, facts: [SourceFact], now: Instant
    ) {
        if visited > 0 {
            pending.noteArrivals(at: now)
            if schedule.shouldPauseForFullBatch(pending.snapshot), ownership.paused.isEmpty {
                let records = pending.recordCount
                log(.warning, "pausing consumption until the pending batch commits", ["records": "\(records)"])
                pauseOwned()
            }
        }
        schedule.pollEnded(visited: visited, began: began, caughtUp: caughtUp, now: now)
        for fact in facts { learned(fact, now: now) }
    }

    /// The source answered a query of log bounds (for partitions it refused at their position).
    package mutating func logBoundsRead(_ result: Result<[SourcePartition: LogBounds], any Error>, now: Instant) {
        boundsQuery.underWay = false
        guard case .success(let bounds) = result else {
            if case .failure(let error) = result {
                log(.warning, "cannot ask where the logs begin and end; asking again", ["error": "\(error)"])
            }
            boundsQuery.at = now.advanced(by: .seconds(1))
            return
        }
        var changed: [String: String] = [:]
        for (partition, bound) in bounds.sorted(by: { $0.key < $1.key }) where ownership.owns(partition) {
            ownership.identityChecked(partition)
            // An ID the topic had before its current one is a stale answer: it says nothing.
            let logID = bound.logID.flatMap { isRetired($0, of: partition.topic) ? nil : $0 }
            if fencedInOtherLog[partition] != nil {
                _ = ownership.resolveDoubt(partition)
                continueFencedInOtherLog(partition, current: logID ?? topicIDs[partition.topic])
            } else if let logID, let known = ownership.logIDs[partition], logID != known {
                changed[partition.topic] = logID  // in doubt until it continues in the new log
            } else {
                let dropped = ownership.resolveDoubt(partition)
                if ownership.outOfRange.contains(partition) {
                    outOfRange(partition, bounds: bound)
                } else if let dropped {  // the same log: read again what was dropped while in doubt
                    let start = admissionFloor(partition) ?? dropped
                    move(partition, to: .offset(start), reason: .topicIDNotConfirmed, bounds: bound)
                }
            }
            // Whichever partition's answer shows the topic's new log, every partition of the topic moves.
            if let logID, let topicID = topicIDs[partition.topic], logID != topicID { changed[partition.topic] = logID }
        }
        for (topic, id) in changed.sorted(by: { $0.key < $1.key }) { topicChanged(topic, to: id, now: now) }
        boundsQuery = Retry()
        if !unsettledPartitions.isEmpty { boundsQuery.at = now.advanced(by: .seconds(1)) }
    }

    /// The source could not carry out a command. A partition it could not move continues from its stored
    /// offset, as a fenced one does; a re-subscription is tried again a second later.
    package mutating func sourceCommandCarriedOut(_ command: SourceCommand, error: (any Error)?, now: Instant) {
        guard let error else { return }
        switch command {
        case .seek(let moves, _):
            let partitions = ownership.fence(Array(moves.keys))
            dropPending(partitions)
            log(.warning, "cannot move partitions yet; trying again", ["error": "\(error)"])
        case .commitOffsets, .pause, .resume:
            log(.warning, "the source refused a command", ["error": "\(error)"])
        }
    }

    // MARK: Decisions

    /// What the running loop must do about positions before it polls: move partitions of recreated topics
    /// and truncated partitions once the commit in flight is settled, read fenced partitions' stored offsets,
    /// ask where out-of-range logs begin and end, pause partitions assigned while paused.
    mutating func partitionAction(now: Instant) -> PipelineAction? {
        if storingMoves {  // a move back, stored at once through the fence: it must outlive this member
            if inFlight != nil { return .awaitCommit }
            if let action = flushStep(now: now) { return action }
            storingMoves = false
            flush = nil
        }
        if let (topic, id) = newLogs.min(by: { $0.key < $1.key }) {
            if inFlight != nil { return .awaitCommit }
            if let action = flushStep(now: now) { return action }  // the old logs' work, under their IDs
            continueInNewLogs(topic, id: id)
            return outbox.isEmpty ? nil : outbox.removeFirst()
        }
        if !truncated.isEmpty {
            if inFlight != nil { return .awaitCommit }  // its outcome says where the store stands
            continueTruncated(now: now)
            return outbox.isEmpty ? nil : outbox.removeFirst()
        }
        let toRead = ownership.fenced.subtracting(fencedInOtherLog.keys)  // those wait for their log's identity
        if !toRead.isEmpty, !fencedRead.underWay, fencedRead.at.map({ now >= $0 }) ?? true {
            fencedRead.underWay = true
            fencedReading = toRead.sorted()
            return .readStore(fencedReading)
        }
        let unsettled = unsettledPartitions
        if !unsettled.isEmpty, !boundsQuery.underWay, boundsQuery.at.map({ now >= $0 }) ?? true {
            boundsQuery.underWay = true
            return .queryLogBounds(unsettled.sorted())
        }
        if pauseSweep {  // only while consumption is still paused
            pauseSweep = false
            if !ownership.paused.isEmpty { pauseOwned() }
        }
        return nil
    }

    /// The partitions whose logs must be looked at: out of range and not settled yet, or to be identified.
    private var unsettledPartitions: Set<SourcePartition> {
        ownership.outOfRange.union(ownership.identityChecks).subtracting(truncated.keys)
    }

    /// What a fact does. None moves a partition by itself: an out-of-range report is checked against the
    /// log's bounds first, a watermark below the position is only noted, and a reported topic ID other than
    /// the known one has the log's identity checked; the bounds answer decides.
    private mutating func learned(_ fact: SourceFact, now: Instant) {
        switch fact {
        case .outOfRange(let partition):
            guard ownership.markOutOfRange(partition) else { return }
            record(.logReset(.offsetOutOfRange))
            log(
                .warning,
                "the broker refused the partition's position (out of range); asking where its log begins and ends before moving it",
                ["partition": "\(partition)"])
        case .watermarkBelowPosition(let partition, let high, let position):
            guard ownership.noteWatermark(partition) else { return }
            log(
                .notice,
                "a fetch response's high watermark lies below the partition's position; not acted on (a lagging leader or follower, or a stale figure), but its log's identity is checked: only an out-of-range the broker confirms, or a new topic ID, moves a partition",
                ["partition": "\(partition)", "high_watermark": "\(high)", "position": "\(position)"])
        case .topicID(let topic, let id):
            // A report is checked before anything moves: metadata can be stale (another broker, an answer sent
            // before the change), and an ID this member never had cannot be told from a new one. A fresh query
            // of the log's identity decides (``logBoundsRead(_:now:)``).
            guard let id, id != topicIDs[topic], !isRetired(id, of: topic) else { return }
            // Until it answers, their records are not counted: they may be the new log's, and the pending work
            // would commit them under the old ID.
            let owned = ownership.owned.filter { $0.topic == topic }
            for partition in owned { ownership.doubt(partition) }
            if !owned.isEmpty {
                log(
                    .notice,
                    "the topic's metadata reports another ID; its records are not counted until a query of its logs confirms it",
                    ["topic": "\(topic)", "reported_topic_id": "\(id)"])
            }
        }
    }

    /// A subscribed topic's identity, from fresh metadata, a bounds query or an assignment. Owned partitions
    /// of the topic still in another log (the topic was deleted and created again) commit what was read from
    /// the old logs, then continue at the new logs' beginning, through the fence (or, with
    /// `ON_NEW_LOG=refuse`, the pipeline fails). The member does not rejoin the group: librdkafka fetches the
    /// new topic once its metadata says so, and a re-subscription after a broker restart is never answered
    /// (`docs/design.md`).
    mutating func topicChanged(_ topic: String, to id: String?, now: Instant) {
        guard let id else { return }  // a missing topic is the topic monitor's to report
        guard !isRetired(id, of: topic) else {  // stale metadata: the topic had this ID before its current one
            let current = topicIDs[topic] ?? ""
            return log(
                .notice, "a topic ID the topic had before its current one was reported again (stale metadata); ignored",
                ["topic": "\(topic)", "reported_topic_id": "\(id)", "topic_id": "\(current)"])
        }
        let known = topicIDs[topic]
        topicIDs[topic] = id
        let stale = ownership.owned.filter { $0.topic == topic && ownership.logIDs[$0].map { $0 != id } ?? false }
        if let known, known != id, recreatedTopics[topic] == nil { recreatedTopics[topic] = known }
        if let known, known != id { retiredTopicIDs[topic, default: []].insert(known) }
        for partition in stale {
            if let old = ownership.logIDs[partition] { retiredTopicIDs[topic, default: []].insert(old) }
        }
        guard !stale.isEmpty, newLogs[topic] != id else { return }
        let previous = stale.compactMap { ownership.logIDs[$0] }.first ?? known ?? "?"
        guard settings.onNewLog == .count else {
            return fail(
                PipelineError(
                    code: .newLogRefused,
                    message:
                        "topic '\(topic)' was deleted and created again while the consumer ran (topic ID \(previous) → \(id)), and ON_NEW_LOG=refuse; rebuild the counts from the log with `foodcount rebuild` (docs/operations.md), or set ON_NEW_LOG=count to count the new log from its beginning",
                    partitions: stale))
        }
        log(
            .warning,
            "the topic was deleted and created again while the consumer ran; its partitions are counted from the new logs' beginning",
            [
                "topic": "\(topic)", "previous_topic_id": "\(previous)", "topic_id": "\(id)",
                "partitions": "\(stale.map(\.partition))",
            ])
        newLogs[topic] = id
        for partition in stale { ownership.doubt(partition, check: false) }  // the new log's records wait
        record(.awaitingRecreatedTopic(topic))
        if flush == nil { flush = SyncFlush(deadline: now.advanced(by: settings.revocationBudget)) }
    }

    /// Moves the owned partitions of a recreated topic to their new logs' beginning, now that the work read
    /// from the old logs is committed (or, failing that within the revocation budget, dropped: the old logs
    /// are gone). The next commit expects the stored offsets and stores the new ID.
    private mutating func continueInNewLogs(_ topic: String, id: String) {
        newLogs.removeValue(forKey: topic)
        flush = nil
        let owned = ownership.owned.filter { $0.topic == topic && ownership.logIDs[$0].map { $0 != id } ?? false }
        if pending.aggregator.partitions.keys.contains(where: owned.contains) {
            let records = pending.recordCount
            log(
                .warning, "cannot commit what was read from the old logs; dropping it (the old logs are gone)",
                ["topic": "\(topic)", "records": "\(records)"])
        }
        dropPending(owned)
        var moves: [SourcePartition: PartitionStart] = [:]
        for partition in owned {
            fencedInOtherLog.removeValue(forKey: partition)
            _ = ownership.resolveDoubt(partition)
            ownership.moved(partition, to: .beginning)
            ownership.identify(partition, as: id)
            moves[partition] = .beginning
            record(.logReset(.topicRecreated))
        }
        if !moves.isEmpty { outbox.append(.tellSource(.seek(moves, reason: .newLog))) }
        record(.awaitingRecreatedTopic(nil))
    }

    /// Where an out-of-range partition goes, once the broker says where its log begins and ends: past the
    /// end, back to it through the fence (after the commit in flight); before the start, forward to it,
    /// reporting the records removed uncounted; inside, nowhere (the refusal was not confirmed).
    private mutating func outOfRange(_ partition: SourcePartition, bounds: LogBounds) {
        guard let position = admissionFloor(partition) else {
            return move(partition, to: .beginning, reason: .outOfRangeNotConfirmed, bounds: bounds)
        }
        if position > bounds.end {
            truncated[partition] = bounds
        } else if position < bounds.start {
            record(.skipped(partition, from: position, to: bounds.start))
            record(.logReset(.logStartMoved))
            log(
                .warning,
                "records were removed from the partition's log (retention) before they were counted; continuing at the log's start",
                [
                    "partition": "\(partition)", "position": "\(position)", "log_start": "\(bounds.start)",
                    "skipped": "\(bounds.start - position)",
                ])
            move(partition, to: .offset(bounds.start), reason: .logStartMoved, bounds: bounds)
        } else {
            move(partition, to: .offset(position), reason: .outOfRangeNotConfirmed, bounds: bounds)
        }
    }

    /// Where a partition's next record is expected: after the last one read, pending or in flight, or where
    /// it started, was moved, or was last committed.
    private func admissionFloor(_ partition: SourcePartition) -> Int64? {
        pending.aggregator.nextOffset(for: partition)
            ?? inFlight?.pending.aggregator.nextOffset(for: partition) ?? ownership.positions[partition]
    }

    private mutating func move(
        _ partition: SourcePartition, to start: PartitionStart, reason: MoveReason, bounds: LogBounds
    ) {
        ownership.moved(partition, to: start)
        outbox.append(.tellSource(.seek([partition: start], reason: reason)))
        if reason == .outOfRangeNotConfirmed {
            log(
                .notice,
                "the out-of-range report was not confirmed: the log holds the position; fetching resumes there",
                ["partition": "\(partition)", "log": "\(bounds)", "position": "\(start)"])
        } else if reason == .topicIDNotConfirmed {
            log(
                .notice,
                "the reported topic ID was not confirmed: the partition reads the same log; reading again what arrived meanwhile",
                ["partition": "\(partition)", "log": "\(bounds)", "position": "\(start)"])
        }
    }

    /// Moves the partitions whose log the broker confirmed ends below their position, now that no commit is
    /// in flight: back to the stored offset when the log still holds it (the pending work is read again),
    /// else to the log's new end. Their pending work is dropped; what was counted of the lost tail stays
    /// counted. A move below the stored offset is committed at once, through the fence: a member that
    /// stopped before its next commit would leave the old offset to the next owner, which would skip the
    /// records written after the truncation.
    private mutating func continueTruncated(now: Instant) {
        var moves: [SourcePartition: PartitionStart] = [:]
        for (partition, bounds) in truncated.sorted(by: { $0.key < $1.key }) where ownership.owns(partition) {
            let stored = ownership.storedOffsetInCurrentLog(of: partition)
            let target = stored.map { min($0, bounds.end) } ?? bounds.start
            dropPending([partition])
            ownership.moved(partition, to: .offset(target))
            moves[partition] = .offset(target)
            if let stored, target < stored {
                pending.aggregator.move(partition, to: target)
                pending.noteArrivals(at: now)
                storingMoves = true
            }
            record(.logReset(.logTruncated))
            log(
                .warning,
                "the partition's log ends below this member's position: it lost its tail (an unclean leader election); continuing at its new end, and what was counted of the lost tail stays counted",
                [
                    "partition": "\(partition)", "log": "\(bounds)",
                    "stored_offset": "\(stored.map { "\($0)" } ?? "none")",
                    "continue_at": "\(target)",
                ])
        }
        truncated.removeAll()
        if storingMoves, flush == nil { flush = SyncFlush(deadline: now.advanced(by: settings.revocationBudget)) }
        if !moves.isEmpty { outbox.append(.tellSource(.seek(moves, reason: .logTruncated))) }
    }
}
