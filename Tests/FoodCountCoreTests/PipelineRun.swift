import Foundation
import XCTest

@testable import FoodCountCore

/// Runs a pipeline on a thread of its own and keeps what `run()` throws, so that a test sees the pipeline
/// fail instead of swallowing the error.
final class PipelineRun: @unchecked Sendable {
    private let pipeline: CountingPipeline
    private let finished = DispatchSemaphore(value: 0)
    private let failure = LockedBox<(any Error)?>(nil)
    private let returned = LockedBox(false)

    /// Starts `pipeline.run()` on a new thread.
    init(_ pipeline: CountingPipeline) {
        self.pipeline = pipeline
        Thread { [failure, returned, finished] in
            do { try pipeline.run() } catch { failure.value = error }
            returned.value = true
            finished.signal()
        }.start()
    }

    /// Whether `run()` has returned.
    var hasReturned: Bool { returned.value }

    /// What `run()` threw, if it returned with an error.
    var error: (any Error)? { failure.value }

    /// Asks the pipeline to stop and waits for `run()` to return, failing the test if it does not return in
    /// time or if it threw.
    func stop(timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) {
        pipeline.requestStop()
        waitForReturn(timeout: timeout, file: file, line: line)
    }

    /// Waits for `run()` to return, failing the test if it does not in time or if it threw.
    func waitForReturn(timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) {
        guard finished.wait(timeout: .now() + timeout) == .success else {
            return XCTFail("the pipeline did not return within \(timeout) s", file: file, line: line)
        }
        finished.signal()  // later waits return at once
        XCTAssertNil(error, "the pipeline failed", file: file, line: line)
    }
}
