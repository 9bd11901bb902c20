import FoodCountCore
import KafkaClient
import Synchronization

/// What a ``KafkaEventSource`` learned and the pipeline has not taken yet, and the topics whose records it
/// holds back meanwhile. Any thread reports (the topic monitor, librdkafka's errors); the polling thread
/// takes.
///
/// A topic is held while its log's identity is in doubt: from a fetch error that says the topic or its ID is
/// unknown (deleted, or deleted and created again: librdkafka goes on fetching the new log in place once its
/// metadata says so) until the topic's ID is known again, and from a new ID until the pipeline has taken it.
/// Records of a held topic that a poll brought are not handed over, and the partition is rewound to the first
/// of them when the hold ends, so that nothing is skipped: the pipeline then counts them, or moves the
/// partition itself (to the new log's beginning).
final class SourceMailbox: Sendable {
    /// Why a topic is held.
    enum Hold: Equatable {
        /// A fetch error put the topic's identity in doubt: held until its ID is known again.
        case uncertain
        /// The ID is known: held until the pipeline takes the facts reported so far.
        case releasing
    }

    private struct State {
        var facts: [SourceFact] = []
        var topicIDs: [String: String] = [:]
        var holds: [String: Hold] = [:]
        /// The first offset not handed over per partition of a held topic.
        var rewinds: [TopicPartition: Int64] = [:]
        var checkRequested = false
    }

    private let state = Mutex(State())

    /// The topics held now (empty almost always: the polling thread checks it once per poll).
    var heldTopics: Set<String> { state.withLock { Set($0.holds.keys) } }

    /// Reports a fact; a topic ID other than the one known holds the topic's records until the facts are taken,
    /// and an ID that ends a doubt releases the topic then too.
    func report(_ fact: SourceFact) {
        state.withLock { state in
            state.facts.append(fact)
            guard case .topicID(let topic, .some(let id)) = fact else { return }
            let known = state.topicIDs[topic]
            state.topicIDs[topic] = id
            if (known != nil && known != id) || state.holds[topic] != nil { state.holds[topic] = .releasing }
        }
    }

    /// A fetch error put a topic's identity in doubt: its records are held until its ID is known again, and
    /// the topic monitor is asked to look now.
    func doubt(_ topic: String) {
        state.withLock { state in
            if state.holds[topic] == nil { state.holds[topic] = .uncertain }
            state.checkRequested = true
        }
    }

    /// Whether someone asked for the topic's ID to be checked now; clears the request.
    func takeCheckRequest() -> Bool {
        state.withLock { state in
            defer { state.checkRequested = false }
            return state.checkRequested
        }
    }

    /// A run of a held topic was not handed over: its partition is rewound to `offset` when the hold ends.
    func held(_ partition: TopicPartition, from offset: Int64) {
        state.withLock { state in state.rewinds[partition] = min(state.rewinds[partition] ?? offset, offset) }
    }

    /// Takes the facts, and ends the holds whose topics' IDs are known.
    /// - Returns: The facts, and where to rewind the partitions of the topics released.
    func take() -> (facts: [SourceFact], rewinds: [TopicPartition: Int64]) {
        state.withLock { state in
            let released = Set(state.holds.filter { $0.value == .releasing }.keys)
            for topic in released { state.holds.removeValue(forKey: topic) }
            let rewinds = state.rewinds.filter { released.contains($0.key.topic) }
            for partition in rewinds.keys { state.rewinds.removeValue(forKey: partition) }
            defer { state.facts.removeAll() }
            return (state.facts, rewinds)
        }
    }

    /// The broker said what the topics' IDs are now (a log bounds query): IDs reported before say nothing
    /// more, and the topics are no longer in doubt.
    func identified(_ ids: [String: String?]) {
        state.withLock { state in
            state.facts.removeAll { if case .topicID(let topic, _) = $0 { ids[topic] != nil } else { false } }
            for (topic, id) in ids {
                state.topicIDs[topic] = id
                if id != nil, state.holds[topic] != nil { state.holds[topic] = .releasing }
            }
        }
    }

    /// Partitions were assigned, with their topics' IDs: facts reported before about them say nothing of the
    /// assignment (positions it replaces, IDs older than the ones just read), and they start where the
    /// assignment says, not where a hold would rewind them.
    func assigned(_ partitions: [SourcePartition], ids: [String: String]) {
        state.withLock { state in
            state.facts.removeAll { fact in
                switch fact {
                case .topicID(let topic, _): ids[topic] != nil
                case .outOfRange(let partition), .watermarkBelowPosition(let partition, _, _):
                    partitions.contains(partition)
                }
            }
            state.topicIDs.merge(ids) { $1 }
            for partition in partitions { state.rewinds.removeValue(forKey: partition.topicPartition) }
            for topic in ids.keys where state.holds[topic] != nil { state.holds[topic] = .releasing }
        }
    }

    /// Partitions were revoked: nothing is rewound for them.
    func revoked(_ partitions: [TopicPartition]) {
        state.withLock { state in for partition in partitions { state.rewinds.removeValue(forKey: partition) } }
    }
}
