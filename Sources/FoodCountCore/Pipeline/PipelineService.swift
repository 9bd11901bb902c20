import Foundation
import ServiceLifecycle

/// Runs a ``CountingPipeline`` as a swift-service-lifecycle `Service`, on a dedicated thread.
///
/// Graceful shutdown asks the pipeline to flush, commit and leave the group; task cancellation (the
/// service group's deadline passing) also abandons retries of a failing store.
public struct PipelineService: Service {
    /// The pipeline this service runs.
    public let pipeline: CountingPipeline

    /// Creates the service.
    /// - Parameter pipeline: The pipeline to run.
    public init(pipeline: CountingPipeline) {
        self.pipeline = pipeline
    }

    /// Runs the pipeline until graceful shutdown or cancellation.
    public func run() async throws {
        let pipeline = self.pipeline
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let thread = Thread {
                        do {
                            try pipeline.run()
                            continuation.resume()
                        } catch {
                            continuation.resume(throwing: error)
                        }
                    }
                    thread.name = "foodcount-pipeline"
                    thread.start()
                }
            } onCancel: {
                pipeline.requestStop(abandonRetries: true)
            }
        } onGracefulShutdown: {
            pipeline.requestStop()
        }
    }
}
