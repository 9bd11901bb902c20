import Foundation
import TestSupport
import XCTest

/// Every Kafka client of the programs (the datafeed, the consumer, its dead-letter producer) reaches a cluster
/// that needs TLS, SASL/SCRAM or both, with the typed settings; a wrong CA is refused, and a wrong password
/// stops the programs at once.
///
/// Tansu 0.6 serves neither itself: its `--cert` and `--key` flags exclude each other, and its storage engine
/// keeps no SCRAM credentials. So stunnel terminates TLS in front of it (``TLSTerminator``), a gateway does the
/// SCRAM login in front of it (``SASLGateway``), and the broker advertises the front's port: every connection
/// of the clients goes through it.
final class SecureKafkaTests: XCTestCase {
    func testATLSOnlyClusterIsReachedByEveryClientOfThePrograms() throws {
        let tlsPort = try EmbeddedBroker.freePort()
        let broker = try EmbeddedBroker.start(advertisedPort: tlsPort)
        defer { broker.stop() }
        let tls = try TLSTerminator(port: tlsPort, forwardingTo: broker.port)
        let topic = TestEnvironment.uniqueTopic("tls")
        try TestEnvironment.createTopic(topic, partitions: 2, broker: broker.address)
        try TestEnvironment.createTopic(topic + ".dlq", partitions: 1, broker: broker.address)
        let secure = [
            "KAFKA_BROKER": "localhost:\(tlsPort)", "KAFKA_TOPIC": topic, "KAFKA_SECURITY_PROTOCOL": "ssl",
            "KAFKA_SSL_CA_FILE": tls.caFile,
        ]

        let feed = try ChildProcess.run(
            TestEnvironment.executable("datafeed"), ["--rate", "1000", "--count", "500"], environment: secure)
        XCTAssertEqual(feed.status, 0, feed.output)
        let python = ["security.protocol": "SSL", "ssl.ca.location": tls.caFile]
        try PythonProducer.produce(
            [.text("not json", partition: 0)], topic: topic, broker: "localhost:\(tlsPort)", config: python)

        let directory = try TestEnvironment.temporaryDirectory("tls")
        let database = directory.appendingPathComponent("foodcount.db").path
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: secure.merging([
                "CONSUMER_GROUP": "tls", "DATABASE_PATH": database, "DLQ_TOPIC": topic + ".dlq",
                "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1", "SESSION_TIMEOUT_MS": "6000",
            ]) { $1 })
        defer { consumer.signal(SIGKILL) }
        let counted = eventually(timeout: 60) { (try? SQLiteInspector.total(database)) == 500 }
        XCTAssertTrue(counted, consumer.output.suffix(3_000).description)
        XCTAssertTrue(consumer.output.contains("security_protocol=ssl"), "the consumer says how it connects")
        let letters = try PythonConsumer.readAll(
            topic: topic + ".dlq", broker: "localhost:\(tlsPort)", idle: 4, config: python)
        XCTAssertEqual(letters.map(\.value), [Array("not json".utf8)], "the dead-letter producer went through TLS too")
        consumer.signal(SIGTERM)
        XCTAssertEqual(consumer.wait(timeout: 20), 0, consumer.output.suffix(2_000).description)

        // A CA that did not sign the broker's certificate: no connection, and the log says why.
        let other = try TestEnvironment.temporaryDirectory("tls-other").appendingPathComponent("foodcount.db").path
        let untrusting = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: secure.merging([
                "KAFKA_SSL_CA_FILE": tls.otherCAFile, "CONSUMER_GROUP": "tls-wrong-ca",
                "DATABASE_PATH": other,
                "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
            ]) { $1 })
        defer { untrusting.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 20) { untrusting.output.contains("certificate verify failed") },
            untrusting.output.suffix(2_000).description)
        XCTAssertEqual(try SQLiteInspector.total(other), 0)
    }

    func testASASLSCRAMClusterIsReachedByEveryClientOfThePrograms() throws {
        let gatewayPort = try EmbeddedBroker.freePort()
        let broker = try EmbeddedBroker.start(advertisedPort: gatewayPort)
        defer { broker.stop() }
        let password = "s3cret-\(UUID().uuidString.prefix(8))"
        let gateway = try SASLGateway(
            port: gatewayPort, forwardingTo: broker.port, username: "alice", password: password)
        let topic = TestEnvironment.uniqueTopic("sasl")
        try TestEnvironment.createTopic(topic, partitions: 2, broker: broker.address)
        try TestEnvironment.createTopic(topic + ".dlq", partitions: 1, broker: broker.address)
        let directory = try TestEnvironment.temporaryDirectory("sasl")
        let passwordFile = directory.appendingPathComponent("kafka-password")
        try Data((password + "\n").utf8).write(to: passwordFile)
        let secure = [
            "KAFKA_BROKER": "127.0.0.1:\(gatewayPort)", "KAFKA_TOPIC": topic,
            "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": "alice",
        ]

        let feed = try ChildProcess.run(
            TestEnvironment.executable("datafeed"), ["--rate", "1000", "--count", "500"],
            environment: secure.merging(["KAFKA_SASL_PASSWORD": password]) { $1 })
        XCTAssertEqual(feed.status, 0, feed.output)
        let python = [
            "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-256", "sasl.username": "alice",
            "sasl.password": password,
        ]
        try PythonProducer.produce(
            [.text("not json", partition: 0)], topic: topic, broker: "127.0.0.1:\(gatewayPort)", config: python)

        let database = directory.appendingPathComponent("foodcount.db").path
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: secure.merging([
                "KAFKA_SASL_PASSWORD_FILE": passwordFile.path, "CONSUMER_GROUP": "sasl", "DATABASE_PATH": database,
                "DLQ_TOPIC": topic + ".dlq", "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
                "SESSION_TIMEOUT_MS": "6000",
            ]) { $1 })
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 60) { (try? SQLiteInspector.total(database)) == 500 },
            consumer.output.suffix(3_000).description)
        let letters = try PythonConsumer.readAll(
            topic: topic + ".dlq", broker: "127.0.0.1:\(gatewayPort)", idle: 4, config: python)
        XCTAssertEqual(letters.map(\.value), [Array("not json".utf8)], "the dead-letter producer logged in too")
        consumer.signal(SIGTERM)
        XCTAssertEqual(consumer.wait(timeout: 20), 0, consumer.output.suffix(2_000).description)
        XCTAssertTrue(gateway.logins.allSatisfy { $0.hasPrefix("login ok alice") }, "\(gateway.logins)")
        XCTAssertFalse(consumer.output.contains(password), "the password never shows in the log")
    }

    func testAWrongPasswordStopsTheConsumerAndTheDatafeedAtOnceWithAClearError() throws {
        let gatewayPort = try EmbeddedBroker.freePort()
        let broker = try EmbeddedBroker.start(advertisedPort: gatewayPort)
        defer { broker.stop() }
        let gateway = try SASLGateway(
            port: gatewayPort, forwardingTo: broker.port, username: "alice", password: "right")
        let topic = TestEnvironment.uniqueTopic("wrongpw")
        try TestEnvironment.createTopic(topic, partitions: 1, broker: broker.address)
        let wrong = [
            "KAFKA_BROKER": "127.0.0.1:\(gatewayPort)", "KAFKA_TOPIC": topic,
            "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
            "KAFKA_SASL_USERNAME": "alice", "KAFKA_SASL_PASSWORD": "not-the-password",
        ]
        let directory = try TestEnvironment.temporaryDirectory("wrongpw")
        for program in ["consumer", "datafeed"] {
            let started = Date()
            let result = try ChildProcess.run(
                TestEnvironment.executable(program), program == "datafeed" ? ["--count", "1"] : [],
                environment: wrong.merging([
                    "DATABASE_PATH": directory.appendingPathComponent("\(program).db").path,
                    "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1",
                ]) { $1 }, timeout: 60)
            let took = Date().timeIntervalSince(started)
            XCTAssertEqual(result.status, 2, "\(program): \(result.output.suffix(2_000))")
            XCTAssertLessThan(took, 10, "\(program) must not retry silently")
            let line = "\(program): error: KafkaError(authentication): the broker refused the client's credentials"
            XCTAssertTrue(
                result.output.split(separator: "\n").contains { $0.hasPrefix(line) },
                result.output.suffix(2_000).description)
            XCTAssertFalse(result.output.contains("not-the-password"), "no password in the output")
        }
        XCTAssertTrue(gateway.logins.contains { $0.hasPrefix("login refused alice") }, "\(gateway.logins)")
    }

    func testSASLOverTLSReachesTheCluster() throws {
        let tlsPort = try EmbeddedBroker.freePort()
        let gatewayPort = try EmbeddedBroker.freePort()
        let broker = try EmbeddedBroker.start(advertisedPort: tlsPort)
        defer { broker.stop() }
        let gateway = try SASLGateway(port: gatewayPort, forwardingTo: broker.port, username: "alice", password: "pw")
        let tls = try TLSTerminator(port: tlsPort, forwardingTo: gatewayPort)
        let topic = TestEnvironment.uniqueTopic("saslssl")
        try TestEnvironment.createTopic(topic, partitions: 1, broker: broker.address)
        let secure = [
            "KAFKA_BROKER": "localhost:\(tlsPort)", "KAFKA_TOPIC": topic, "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
            "KAFKA_SSL_CA_FILE": tls.caFile, "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "KAFKA_SASL_USERNAME": "alice",
            "KAFKA_SASL_PASSWORD": "pw",
        ]
        let feed = try ChildProcess.run(
            TestEnvironment.executable("datafeed"), ["--rate", "1000", "--count", "200"], environment: secure)
        XCTAssertEqual(feed.status, 0, feed.output)
        let database = try TestEnvironment.temporaryDirectory("saslssl").appendingPathComponent("foodcount.db").path
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: secure.merging([
                "CONSUMER_GROUP": "saslssl", "DATABASE_PATH": database, "DLQ_TOPIC": "",
                "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1", "SESSION_TIMEOUT_MS": "6000",
            ]) { $1 })
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 60) { (try? SQLiteInspector.total(database)) == 200 },
            consumer.output.suffix(3_000).description)
        XCTAssertTrue(gateway.logins.contains { $0.hasPrefix("login ok alice SCRAM-SHA-256") }, "\(gateway.logins)")
    }
}
