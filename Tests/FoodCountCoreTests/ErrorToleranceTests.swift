import FoodCountTesting
import Foundation
import XCTest

@testable import FoodCountCore

/// `ERRORS_TOLERANCE`: an event that cannot be counted is dead-lettered (the default), or stops the pipeline
/// on the first one, committing nothing of the batch it came in (Connect's `errors.tolerance=none`).
final class ErrorToleranceTests: XCTestCase {
    private let fast = CountingPipeline.Configuration(maxBatchDelay: .milliseconds(5))

    func testStopFailsOnTheFirstEventThatCannotBeCountedNamingItsPartitionAndOffset() throws {
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        var configuration = fast
        configuration.errorTolerance = .stop
        let run = SteppedPipeline(store: store, deadLetterSink: sink, configuration: configuration)
        run.source.append(strings: foods(["soup", "pizza"]), to: p0)
        run.run { store.currentOffsets[p0] == 2 }
        run.source.append(strings: foods(["taco"]) + ["not json"] + foods(["soup"]), to: p0)

        run.run("the poison event stops the pipeline") { run.stepper.hasStopped }

        let error = try XCTUnwrap(run.stepper.error as? PipelineError)
        XCTAssertEqual(error.code, .untolerated)
        XCTAssertEqual(error.partitions, [p0])
        XCTAssertTrue(error.message.contains("offset 3"), error.message)
        XCTAssertEqual(store.currentCounts, ["soup": 1, "pizza": 1], "nothing of the poison's batch is committed")
        XCTAssertEqual(store.currentOffsets, [p0: 2], "the next start reads the batch and the poison again")
        XCTAssertTrue(sink.letters.isEmpty, "stop does not dead-letter")
    }

    func testDeadLetterIsTheDefaultAndCountingGoesOnPastTheEvent() {
        XCTAssertEqual(CountingPipeline.Configuration().errorTolerance, .deadLetter)
        let store = InMemoryCountStore()
        let sink = InMemoryDeadLetterSink()
        let run = SteppedPipeline(store: store, deadLetterSink: sink, configuration: fast)
        run.source.append(strings: foods(["taco"]) + ["not json"] + foods(["soup"]), to: p0)

        run.run { store.currentOffsets[p0] == 3 }
        run.stop()

        XCTAssertNil(run.stepper.error)
        XCTAssertEqual(store.currentCounts, ["taco": 1, "soup": 1])
        XCTAssertEqual(sink.letters.map(\.record.offset), [1])
    }
}
