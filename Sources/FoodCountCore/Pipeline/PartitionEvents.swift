/// Forwards a source's rebalance callbacks to the pipeline, so that they are not public API on it.
/// The source holds this weakly; the pipeline holds it, and this holds the pipeline weakly.
final class PartitionEvents: PartitionListener {
    weak var pipeline: CountingPipeline?

    func partitionsAssigned(
        _ partitions: [SourcePartition],
        logIDs: [SourcePartition: String]
    ) -> [SourcePartition: PartitionStart] {
        pipeline?.partitionsAssigned(partitions, logIDs: logIDs) ?? [:]
    }

    func partitionsRevoked(_ partitions: [SourcePartition], lost: Bool) {
        pipeline?.partitionsRevoked(partitions, lost: lost)
    }
}
