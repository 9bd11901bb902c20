import FoodCountCore

extension SimulationWorld {
    /// Does something to the pipelines' world that a single embedded broker cannot stage, or a process crash.
    func inject(_ fault: SimulationFault) {
        switch fault {
        case .rebalance:
            note("the group rebalances")
            rebalance("g1", shuffle: true)
        case .freeze:
            if members.filter({ !$0.frozen }).count > 1, let member = pick(members.filter { !$0.frozen }) {
                freezeMember(member)
            }
        case .wake:
            if let member = pick(members.filter(\.frozen)) {
                member.frozen = false
                note("member \(member.id) wakes")
            }
        case .crash:
            if let member = pick(members) { crash(member) }
            if !members.contains(where: { $0.group == "g1" }) { join("g1") }
        case .join:
            if members.count < 4 { join("g1") }
        case .stop:
            if members.count > 1, let member = pick(members.filter { !$0.stopping && !$0.frozen }) {
                member.stopping = true
                member.stepper.pipeline.requestStop()
                note("member \(member.id) is asked to stop")
            }
        case .storeOutage:
            let outage = Duration.milliseconds(pick(10...3_000))
            storeDownUntil = clock.now.advanced(by: outage)
            note("the store goes down for \(outage)")
        case .failover:
            if broker.listOffsetsAvailable, let partition = pick(broker.partitions) {
                broker.failover(partition, behind: Int64(pick(1...4)))
                note("\(partition)'s leader fails over; its high watermark lags")
            } else {
                broker.catchUp()
                note("the new leaders caught up")
            }
        case .spuriousOutOfRange:
            if let member = pick(members), let partition = pick(member.source.assigned.keys.sorted()) {
                member.source.refuse(partition)
                note("a lagging follower refuses member \(member.id)'s position in \(partition)")
            }
        case .retention:  // the embedded broker has none (and answers a position below a log's start with nothing)
            if reportsOutOfRange, let partition = pick(broker.partitions) {
                let log = broker.log(partition)
                let below = log.start + Int64(pick(0...Int(log.end - log.start)))
                broker.removeRecords(of: partition, below: below)
                note("retention removes \(partition) below \(below)")
            }
        case .truncation:
            if reportsOutOfRange, let partition = pick(broker.partitions) {
                let log = broker.log(partition)
                guard log.end > log.start, log.truncatedAt == nil else { return }
                let at = log.start + Int64(pick(0...Int(log.end - log.start - 1)))
                broker.truncate(partition, at: at)
                note("an unclean election truncates \(partition) at \(at)")
            }
        case .recreateTopic:
            recreateTopic()
        case .secondGroup:
            if !members.contains(where: { $0.group == "g2" }) { join("g2") }
        case .metadataRefresh:
            refreshMetadata()
        case .fetchSwitchesLogs:
            if let member = pick(members.filter { !$0.frozen }) {
                member.source.switchLogsInPlace()
                note("member \(member.id)'s fetches move to the new logs in place; the topic is in doubt")
            }
        case .staleMetadata:
            if let member = pick(members.filter { !$0.frozen }) {
                member.source.reportStaleTopicID()
                note("member \(member.id) hears the topic's previous ID")
            }
        case .redelivery:
            if let member = pick(members), let partition = pick(member.source.assigned.keys.sorted()) {
                member.source.redeliver(partition, records: Int64(pick(1...5)))
                note("member \(member.id)'s source goes back in \(partition) by itself")
            }
        }
    }

    /// A member is killed: a commit in flight may or may not have been written; nothing else survives.
    func crash(_ member: SimulationWorld.Member) {
        if member.stepper.commits.inFlight != nil, chance(0.5) { member.stepper.commits.finish() }
        note("member \(member.id) is killed")
        forget(member)
    }

    /// The topic is deleted and created again. Either the members lose their partitions and rejoin at the
    /// next metadata refresh (the group sees the topic gone), or they keep fetching, and move to the new
    /// topic in place once their metadata is refreshed (librdkafka's two behaviours).
    private func recreateTopic() {
        broker.recreateTopic()
        if chance(0.5) {
            note("the topic is recreated; the members lose their partitions")
            loseEverything()
            rejoinDue = true
        } else {
            note("the topic is recreated; the members keep fetching the old one until their metadata is refreshed")
        }
    }

    /// The members' metadata is refreshed (a topic monitor's describe): they learn the topic's ID, and those
    /// that lost their partitions to a recreated topic rejoin.
    func refreshMetadata() {
        for member in members where !member.frozen { member.source.refreshMetadata() }
        if takeRejoin() {
            note("the members rejoin the group")
            for group in ["g1", "g2"] { rebalance(group) }
        }
    }
}
