import Logging

extension PipelineMachine {
    // MARK: Events

    /// Partitions were assigned, with the identity of each one's log now (inside a poll). Their stored offsets
    /// are read, then the callback returns where each starts.
    package mutating func assigned(_ partitions: [SourcePartition], logIDs: [SourcePartition: String], now: Instant) {
        // An ID the topic had before the one known now is stale metadata: the known one holds.
        var logIDs = logIDs
        for (partition, id) in logIDs where isRetired(id, of: partition.topic) {
            logIDs[partition] = topicIDs[partition.topic]
        }
        for partition in partitions { fencedInOtherLog.removeValue(forKey: partition) }
        assignmentRead = Retry()
        callback = .assigning(partitions: partitions, logIDs: logIDs)
        if partitions.isEmpty { finishAssignment(partitions, logIDs: logIDs, stored: [:], now: now) }
    }

    /// Partitions are revoked (inside a poll, or the source's close); `lost` when another member may own them
    /// already. Their work is committed before the callback returns, unless it is dropped.
    package mutating func revoked(_ partitions: [SourcePartition], lost: Bool, now: Instant) {
        let drop = RevocationDrop(lost: lost, pipelineFailed: phase == .failed)
        callback = .revoking(partitions: partitions, drop: drop)
        if drop == nil, flush == nil { flush = SyncFlush(deadline: now.advanced(by: settings.revocationBudget)) }
    }

    /// The store answered a read of stored offsets: for an assignment, or for fenced partitions.
    package mutating func storeRead(_ result: Result<[SourcePartition: StoredPosition], StoreError>, now: Instant) {
        if case .assigning(let partitions, let logIDs) = callback {
            assignmentRead.underWay = false
            switch result {
            case .success(let stored): finishAssignment(partitions, logIDs: logIDs, stored: stored, now: now)
            case .failure(let error): assignmentReadFailed(error, partitions: partitions, now: now)
            }
            return
        }
        fencedRead.underWay = false
        switch result {
        case .success(let stored): continueFenced(at: stored)
        case .failure(let error): fencedRead = retried(fencedRead, after: error, now: now)
        }
    }

    // MARK: Callbacks

    /// The next step of the rebalance callback in progress.
    mutating func callbackAction(_ callback: Callback, now: Instant) -> PipelineAction {
        switch callback {
        case .assigning(let partitions, _):
            if let at = assignmentRead.at, now < at {
                guard stop < .abandoning else {
                    fail(StoreError(code: .unavailable, message: "stopped while reading stored offsets"))
                    return endCallback(starts: [:])
                }
                return .sleep(until: at)
            }
            assignmentRead.underWay = true
            return .readStore(partitions)
        case .revoking(let partitions, var drop):
            if inFlight != nil { return .awaitCommit }  // its offsets are booked before the partitions go
            if drop == nil, let action = flushStep(now: now) { return action }
            if drop == nil, !pending.isEmpty { drop = phase == .failed ? .pipelineFailed : .notCommitted }
            if phase != .stopping { flush = nil }
            release(partitions, dropped: drop)
            return endCallback(starts: [:])
        }
    }

    private mutating func endCallback(starts: [SourcePartition: PartitionStart]) -> PipelineAction {
        callback = nil
        return .endCallback(starts: starts)
    }

    // MARK: Assignments

    /// Says where each assigned partition starts (`docs/design.md`, "Positions"): at its stored offset; at
    /// the beginning of its log when that log is a new one (its topic ID changed since the offset was stored),
    /// unless new logs are refused; by the source's reset policy when nothing is stored.
    private mutating func finishAssignment(
        _ partitions: [SourcePartition], logIDs: [SourcePartition: String], stored: [SourcePartition: StoredPosition],
        now: Instant
    ) {
        var starts: [SourcePartition: PartitionStart] = [:]
        var refused: [SourcePartition] = []
        for partition in partitions.sorted() {
            let current = logIDs[partition]
            let offset = stored[partition]?.next
            if let offset, let previous = changedLog(partition, stored: stored[partition]?.logID, current: current) {
                guard settings.onNewLog == .count else {
                    refused.append(partition)
                    continue
                }
                starts[partition] = .beginning
                log(
                    .warning,
                    "the partition's log is a new one since its offset was stored (its topic ID changed); counting the new log from its beginning (ON_NEW_LOG=count: a topic recreated, or moved by MirrorMaker, whose events were counted already, would be counted again; refuse instead to stop here)",
                    [
                        "partition": "\(partition)", "stored_offset": "\(offset)", "stored_topic_id": "\(previous)",
                        "topic_id": "\(current ?? "")",
                    ])
                record(.logReset(.topicRecreated))
            } else if let offset {
                starts[partition] = .offset(offset)
            }
            ownership.assign(partition, stored: stored[partition], logID: current, start: starts[partition])
        }
        if !refused.isEmpty { return refuseNewLogs(refused, logIDs: logIDs, stored: stored) }
        for topic in Set(partitions.map(\.topic)).sorted() {
            // Partitions owned from before, of a log this assignment says is gone, move to the new one.
            if let id = partitions.first(where: { $0.topic == topic && logIDs[$0] != nil }).flatMap({ logIDs[$0] }) {
                topicChanged(topic, to: id, now: now)
            }
            recreatedTopics.removeValue(forKey: topic)
        }
        record(.rebalanced(.assigned, owned: ownership.count))
        log(
            .info, "starting partitions at stored offsets",
            ["offsets": "\(partitions.sorted().map { "\($0)=\(starts[$0].map { "\($0)" } ?? "reset")" })"])
        if !ownership.paused.isEmpty { pauseSweep = true }
        callback = nil
        outbox.append(.endCallback(starts: starts))
    }

    /// Whether `id` is an ID the topic (of `partition`'s topic, or any topic when `nil`) had before its current one.
    func isRetired(_ id: String, of topic: String?) -> Bool {
        guard let topic else { return retiredTopicIDs.values.contains { $0.contains(id) } }
        return retiredTopicIDs[topic]?.contains(id) ?? false
    }

    /// Resolves a fenced partition whose stored offset belongs to another log than the one this member knew,
    /// now that the log's identity is known: the store's log continues at its offset; another log (this
    /// member's new one) is read from its beginning, through the fence.
    mutating func continueFencedInOtherLog(_ partition: SourcePartition, current: String?) {
        guard let position = fencedInOtherLog.removeValue(forKey: partition) else { return }
        let start: PartitionStart
        if let current, current != position.logID {
            start = .beginning
            ownership.identify(partition, as: current)
        } else {
            start = .offset(position.next)
            if let logID = position.logID { ownership.identify(partition, as: logID) }
        }
        ownership.moved(partition, to: start, stored: position)
        outbox.append(.tellSource(.seek([partition: start], reason: .fenced)))
        log(
            .notice, "a fenced partition's stored offset was of another log; continuing in the log it reads now",
            [
                "partition": "\(partition)", "stored_topic_id": "\(position.logID ?? "")",
                "topic_id": "\(current ?? "")", "continue_at": "\(start)",
            ])
    }

    /// The stored log identity of a partition whose log changed since its offset was stored, or `nil` when it
    /// is the same log or no one can tell. A partition stored without an identity is a new log only when its
    /// topic was seen recreated while the pipeline ran.
    private func changedLog(_ partition: SourcePartition, stored: String?, current: String?) -> String? {
        guard let current else { return nil }
        if let stored { return stored == current ? nil : stored }
        guard let old = recreatedTopics[partition.topic], old != current else { return nil }
        return old
    }

    /// `ON_NEW_LOG=refuse`: the pipeline fails, naming the partitions and both identities, and owns nothing.
    private mutating func refuseNewLogs(
        _ refused: [SourcePartition], logIDs: [SourcePartition: String], stored: [SourcePartition: StoredPosition]
    ) {
        let detail = refused.map { "\($0) (topic ID \(stored[$0]?.logID ?? "?") → \(logIDs[$0] ?? "?"))" }
        fail(
            PipelineError(
                code: .newLogRefused,
                message:
                    "the log of \(detail.joined(separator: ", ")) is a new one since its offsets were stored, and ON_NEW_LOG=refuse; rebuild the counts from the log with `foodcount rebuild` (docs/operations.md), or set ON_NEW_LOG=count to count the new log from its beginning",
                partitions: refused))
        ownership.release(ownership.owned)
        callback = nil
        outbox.append(.endCallback(starts: [:]))
    }

    /// An assignment's read failed: retried with backoff while no stop is asked for; otherwise any start
    /// would be a guess, so the pipeline owns nothing and fails.
    private mutating func assignmentReadFailed(_ error: StoreError, partitions: [SourcePartition], now: Instant) {
        guard error.isTransient, stop == .none else {
            log(.error, "cannot read stored offsets; not consuming", ["error": "\(error)"])
            fail(error)
            callback = nil
            outbox.append(.endCallback(starts: [:]))
            return
        }
        assignmentRead = retried(assignmentRead, after: error, now: now)
    }

    /// The next attempt of a failed read: after a backoff, unless retrying cannot help (the pipeline fails).
    mutating func retried(_ retry: Retry, after error: StoreError, now: Instant) -> Retry {
        guard error.isTransient else {
            fail(error)
            return retry
        }
        var retry = retry
        retry.attempts += 1
        let delay = settings.retry.delay(attempt: retry.attempts, random: random.unit())
        retry.at = now.advanced(by: delay)
        log(.warning, "reading stored offsets failed; retrying", ["delay": "\(delay)", "error": "\(error)"])
        return retry
    }

    // MARK: Revocations and fences

    /// Stops owning revoked or lost partitions, and drops their pending work: none is left when it was
    /// committed first, or it is `dropped` (which is logged).
    private mutating func release(_ partitions: [SourcePartition], dropped: RevocationDrop?) {
        if let dropped { log(.warning, dropped.message, ["partitions": "\(partitions.sorted())"]) }
        dropPending(partitions)
        ownership.release(partitions)
        for partition in partitions {
            truncated.removeValue(forKey: partition)
            fencedInOtherLog.removeValue(forKey: partition)
        }
        record(.rebalanced(dropped == .lost ? .lost : .revoked, owned: ownership.count))
    }

    /// After a fenced commit: drops this member's pending work of the fenced partitions, whose stored offsets
    /// another member (or a person) moved, and stops counting them until they are moved to their stored
    /// offsets. The partitions stay owned: the source keeps them assigned.
    mutating func setAsideFenced(_ error: StoreError) {
        let partitions = ownership.fence(error.partitions)
        log(
            .warning,
            "a commit was fenced: the stored offsets moved on without this member; dropping its pending work of those partitions and continuing them from the stored offsets",
            ["partitions": "\(partitions.sorted())", "error": "\(error)"])
        dropPending(partitions)
        record(.fenced)
    }

    /// Moves the fenced partitions that were read to the offsets the store holds, and counts them again from
    /// there. A fenced partition whose stored offset vanished fails the pipeline (`inconsistent`): any start
    /// would be a guess.
    private mutating func continueFenced(at stored: [SourcePartition: StoredPosition]) {
        let fenced = fencedReading.filter { ownership.fenced.contains($0) && fencedInOtherLog[$0] == nil }
        if let missing = fenced.first(where: { stored[$0] == nil }) {
            return fail(
                StoreError(
                    code: .inconsistent,
                    message:
                        "the stored offset of \(missing) vanished while this member owned the partition; refusing to guess where to continue"
                ))
        }
        fencedRead = Retry()
        var moves: [SourcePartition: PartitionStart] = [:]
        for partition in fenced {
            let position = stored[partition]!
            // An offset stored for another log than the one this member knows: either the store is ahead (the
            // topic was recreated and a new owner counted the new log: continue at its offset) or this member is
            // (the store holds the old log's offset: the new log is read from its beginning). The log's identity
            // now decides (``logBoundsRead(_:now:)``); meanwhile the partition stays fenced.
            if let storedLog = position.logID, let known = ownership.logIDs[partition], storedLog != known {
                fencedInOtherLog[partition] = position
                ownership.checkIdentity(partition)
                continue
            }
            moves[partition] = .offset(position.next)
            ownership.moved(partition, to: moves[partition]!, stored: position)
        }
        guard !moves.isEmpty else { return }
        outbox.append(.tellSource(.seek(moves, reason: .fenced)))
        log(
            .notice, "continuing fenced partitions from their stored offsets",
            ["offsets": "\(moves.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"])
    }
}
