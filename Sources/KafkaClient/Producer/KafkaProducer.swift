import CRdKafka
import Foundation
import Logging
import Synchronization

/// A Kafka producer over librdkafka whose delivery reports a caller can await.
///
/// A dedicated thread serves librdkafka's callbacks, so delivery reports arrive without the caller polling.
/// All methods are safe from any thread; ``sendAndWait(_:)`` and ``flush(timeout:)`` block and belong on
/// a dedicated thread, while ``send(_:)`` is async.
public final class KafkaProducer: @unchecked Sendable {
    /// Called once per message with the broker's answer, on the producer's polling thread.
    public typealias DeliveryHandler = @Sendable (Result<DeliveryReport, KafkaError>) -> Void

    private let client: OpaquePointer
    /// The librdkafka handle, for extensions in other files.
    var handle: OpaquePointer { client }
    /// The client's context, for extensions in other files.
    var context: ClientContext { contextReference.takeUnretainedValue() }
    private let contextReference: Unmanaged<ClientContext>
    private let logger: Logger
    private let poller = Poller()
    private let closed = Mutex<Bool>(false)

    /// Creates a producer and starts its polling thread.
    /// - Parameters:
    ///   - configuration: The producer settings.
    ///   - logger: Where the producer and librdkafka log.
    public init(configuration: Configuration, logger: Logger) throws(KafkaError) {
        try Librdkafka.requireSupportedVersion()
        try BootstrapServers.validate(configuration.bootstrapServers)
        try configuration.security.validate()
        self.logger = logger
        let pairs =
            configuration.librdkafkaProperties + [("log_level", String(RdKafkaLog.syslogLevel(for: logger.logLevel)))]
        let conf = try RdKafkaConf(pairs)
        contextReference = Unmanaged.passRetained(ClientContext(logger: logger))
        rd_kafka_conf_set_opaque(conf.handle, contextReference.toOpaque())
        rd_kafka_conf_set_log_cb(conf.handle, rdKafkaLogCallback)
        rd_kafka_conf_set_dr_msg_cb(conf.handle, deliveryCallback)
        rd_kafka_conf_set_error_cb(conf.handle, rdKafkaErrorCallback)
        do {
            client = try conf.makeClient(type: RD_KAFKA_PRODUCER)
        } catch {
            contextReference.release()
            throw error
        }
        let handle = ClientHandle(pointer: client)
        let thread = Thread { [poller] in
            while poller.running.load(ordering: .acquiring) {
                rd_kafka_poll(handle.pointer, 500)
            }
            poller.done.signal()
        }
        thread.name = "kafka-producer-poll"
        thread.start()
    }

    deinit {
        destroy()
    }

    /// Closes the producer if it is open (``close(timeout:)``), then frees librdkafka's handle once the calls
    /// other threads have in progress return, and joins librdkafka's threads: nothing of librdkafka reaches
    /// Swift once this returns. Call it before the process exits. Idempotent; blocks.
    public func destroy(closingWithin timeout: Duration = .seconds(10)) {
        close(timeout: timeout)
        handleGuard.destroy {
            context.silenced.store(true, ordering: .releasing)
            rd_kafka_destroy(client)
            contextReference.release()
        }
    }

    /// Queues a message and returns at once; `onDelivery` is called with the broker's answer.
    ///
    /// When librdkafka's queue is full this waits for room (backpressure), up to the message timeout.
    /// - Parameters:
    ///   - record: The message.
    ///   - onDelivery: Called once with the delivery report or the error.
    public func send(_ record: ProducerRecord, onDelivery: @escaping DeliveryHandler) throws(KafkaError) {
        guard !closed.withLock({ $0 }) else { throw KafkaError(code: .closed, message: "send on a closed producer") }
        if let refusal = connectionRefusal { throw refusal }
        let box = Unmanaged.passRetained(DeliveryBox(onDelivery))
        let failure: KafkaError?
        do {
            failure = try handleGuard.use("send") { () throws(KafkaError) -> KafkaError? in
                var waited = 0
                while true {
                    let error = produce(record, opaque: box.toOpaque())
                    guard let error else { return nil }
                    if error.rdKafkaCode == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue, waited < 30_000 {
                        usleep(1_000)  // the polling thread drains the queue meanwhile
                        waited += 1
                        continue
                    }
                    return error
                }
            }
        } catch {
            failure = error
        }
        guard let failure else { return }
        box.release()
        throw failure
    }

    /// Sends a message and waits for the broker's acknowledgement.
    /// - Parameter record: The message.
    /// - Returns: Where the message was written.
    public func send(_ record: ProducerRecord) async throws(KafkaError) -> DeliveryReport {
        let result: Result<DeliveryReport, KafkaError> = await withCheckedContinuation { continuation in
            do {
                try send(record) { continuation.resume(returning: $0) }
            } catch let error as KafkaError {
                continuation.resume(returning: .failure(error))
            } catch {
                continuation.resume(returning: .failure(KafkaError(code: .produce, message: "\(error)")))
            }
        }
        return try result.get()
    }

    /// Sends a message and blocks the calling thread until the broker acknowledges it.
    /// Never call this from Swift's cooperative thread pool.
    /// - Parameter record: The message.
    /// - Returns: Where the message was written.
    public func sendAndWait(_ record: ProducerRecord) throws(KafkaError) -> DeliveryReport {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<DeliveryReport, KafkaError>?>(nil)
        try send(record) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    /// The broker's refusal of the producer's credentials or TLS handshake, once librdkafka reported one; sends
    /// fail at once from then on (librdkafka would retry forever).
    public var connectionRefusal: KafkaError? {
        contextReference.takeUnretainedValue().connectionRefusal.withLock { $0 }
    }

    /// The number of messages not yet acknowledged.
    public var outstandingCount: Int { Int(rd_kafka_outq_len(client)) }

    /// Waits until every queued message is acknowledged or failed. Blocks the calling thread.
    /// - Parameter timeout: The longest to wait.
    public func flush(timeout: Duration) throws(KafkaError) {
        let deadline = ContinuousClock.now + timeout
        while rd_kafka_outq_len(client) > 0 {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(
                    code: .timeout, message: "flush timed out with \(rd_kafka_outq_len(client)) messages outstanding")
            }
            usleep(2_000)  // the polling thread serves delivery reports
        }
    }

    /// Keeps the handle alive while threads use it, and destroys it once.
    let handleGuard = HandleGuard()

    /// Flushes outstanding messages, then stops the polling thread. Idempotent.
    /// - Parameter timeout: The longest to wait for outstanding messages.
    public func close(timeout: Duration = .seconds(10)) {
        let wasOpen = closed.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        guard wasOpen else { return }
        do {
            try flush(timeout: timeout)
        } catch {
            logger.warning("closing producer with undelivered messages: \(error)")
        }
        poller.running.store(false, ordering: .releasing)
        poller.done.wait()
        rd_kafka_poll(client, 0)  // deliver any last reports
    }

    private func produce(_ record: ProducerRecord, opaque: UnsafeMutableRawPointer) -> KafkaError? {
        let headers = MessageHeaders.make(record.headers)
        let error: OpaquePointer? = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key in
                withOptionalBytes(record.value) { value in
                    var fields: [rd_kafka_vu_t] = []
                    fields.reserveCapacity(7)
                    var field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_TOPIC
                    field.u.cstr = topic
                    fields.append(field)
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_PARTITION
                    field.u.i32 = record.partition ?? -1
                    fields.append(field)
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    field.u.i = 0x2  // RD_KAFKA_MSG_F_COPY
                    fields.append(field)
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_VALUE
                    field.u.mem.ptr = value.map { UnsafeMutableRawPointer(mutating: $0.baseAddress) } ?? nil
                    field.u.mem.size = value?.count ?? 0
                    fields.append(field)
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_KEY
                    field.u.mem.ptr = key.map { UnsafeMutableRawPointer(mutating: $0.baseAddress) } ?? nil
                    field.u.mem.size = key?.count ?? 0
                    fields.append(field)
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_OPAQUE
                    field.u.ptr = opaque
                    fields.append(field)
                    if let headers {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_HEADERS
                        field.u.headers = headers
                        fields.append(field)
                    }
                    return rd_kafka_produceva(client, fields, fields.count)
                }
            }
        }
        guard let error else { return nil }
        if let headers { rd_kafka_headers_destroy(headers) }
        return KafkaError(code: .produce, consuming: error, context: "produce to \(record.topic)")
    }
}

/// Calls `body` with the bytes of `array`, or with `nil` for a null array; an empty array gets a valid,
/// non-null pointer so that it stays distinguishable from null.
private func withOptionalBytes<R>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let array else { return body(nil) }
    if array.isEmpty {
        var empty: UInt8 = 0
        return withUnsafeBytes(of: &empty) { body(UnsafeRawBufferPointer(start: $0.baseAddress, count: 0)) }
    }
    return array.withUnsafeBytes { body($0) }
}

/// The polling thread's run flag and exit signal.
private final class Poller: Sendable {
    let running = Atomic<Bool>(true)
    let done = DispatchSemaphore(value: 0)
}

/// Holds a delivery handler across the C boundary.
private final class DeliveryBox {
    let handler: KafkaProducer.DeliveryHandler
    init(_ handler: @escaping KafkaProducer.DeliveryHandler) { self.handler = handler }
}

private let deliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let box = Unmanaged<DeliveryBox>.fromOpaque(opaque).takeRetainedValue()
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            box.handler(
                .success(
                    DeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
        } else {
            box.handler(
                .failure(
                    KafkaError(
                        code: .delivery, rdKafka: message.pointee.err, context: "delivery", topic: topic,
                        partition: message.pointee.partition)))
        }
    }
