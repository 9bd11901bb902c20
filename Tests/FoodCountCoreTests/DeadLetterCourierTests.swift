import FoodCountTesting
import Logging
import XCTest

@testable import FoodCountCore

/// How the pending batch's dead letters reach the sink: those acknowledged leave the batch, the others stay
/// for the next attempt, and both are recorded.
final class DeadLetterCourierTests: XCTestCase {
    private let p0 = SourcePartition(topic: "message", partition: 0)
    private let recorder = PipelineRecorder()

    private func courier(_ sink: InMemoryDeadLetterSink?) -> DeadLetterCourier {
        DeadLetterCourier(sink: sink, logger: Logger(label: "test"), recorder: recorder)
    }

    /// A pending batch holding a dead letter for each offset.
    private func pending(_ courier: DeadLetterCourier, offsets: [Int64]) throws -> PendingBatch {
        var pending = PendingBatch()
        for offset in offsets {
            let record = SourceRecord(partition: p0, offset: offset, value: Array("garbage".utf8))
            pending.add(try XCTUnwrap(courier.reject(record, EventDecodingError(kind: .notJSON, message: "bad"))))
        }
        return pending
    }

    func testAcknowledgedLettersLeaveThePendingBatchAndAreCounted() throws {
        let sink = InMemoryDeadLetterSink()
        let courier = courier(sink)
        var batch = try pending(courier, offsets: [3, 5])

        XCTAssertNil(courier.deliver(&batch, until: .now + .seconds(5), stopping: { false }))

        XCTAssertEqual(batch.deadLetters, [])
        XCTAssertEqual(sink.letters.map(\.record.offset), [3, 5])
        XCTAssertEqual(recorder.statistics.deadLettered, 2)
        XCTAssertTrue(recorder.health.deadLetterWritable)
    }

    func testLettersTheSinkRefusedStayForTheNextAttemptAndMarkTheSinkUnwritable() throws {
        let sink = InMemoryDeadLetterSink()
        sink.failNextSends(1)
        let courier = courier(sink)
        var batch = try pending(courier, offsets: [3, 5])

        XCTAssertNotNil(courier.deliver(&batch, until: .now + .seconds(5), stopping: { false }))
        XCTAssertEqual(batch.deadLetters.map(\.record.offset), [3, 5])
        XCTAssertEqual(recorder.statistics.deadLetterFailures, 2)
        XCTAssertFalse(recorder.health.deadLetterWritable)

        XCTAssertNil(courier.deliver(&batch, until: .now + .seconds(5), stopping: { false }))
        XCTAssertEqual(sink.letters.map(\.record.offset), [3, 5])
        XCTAssertTrue(recorder.health.deadLetterWritable)
    }

    func testABatchWithoutDeadLettersSendsNothing() {
        let sink = InMemoryDeadLetterSink()
        var batch = PendingBatch()
        XCTAssertNil(courier(sink).deliver(&batch, until: .now + .seconds(5), stopping: { false }))
        XCTAssertEqual(sink.sendCount, 0)
    }

    func testWithoutASinkAnInvalidRecordIsOnlySkipped() {
        let record = SourceRecord(partition: p0, offset: 1, value: nil)
        XCTAssertNil(courier(nil).reject(record, EventDecodingError(kind: .notJSON, message: "bad")))
    }
}
