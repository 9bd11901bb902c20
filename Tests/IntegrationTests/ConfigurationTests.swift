import Foundation
import TestSupport
import XCTest

/// The programs never guess a setting: a bad value stops them at once with one line that names the variable,
/// the value and what is allowed; defaults come from the libraries; secrets stay out of every output.
final class ConfigurationTests: XCTestCase {
    private func run(_ program: String, _ environment: [String: String], _ arguments: [String] = []) throws
        -> ChildProcess.Result
    {
        try ChildProcess.run(TestEnvironment.executable(program), arguments, environment: environment, timeout: 30)
    }

    private func assertRefused(
        _ program: String, _ environment: [String: String], _ line: String,
        file: StaticString = #filePath, line number: UInt = #line
    ) throws {
        let result = try run(program, environment)
        XCTAssertEqual(result.status, 2, result.output, file: file, line: number)
        let lines = result.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line: \(result.output)", file: file, line: number)
        XCTAssertEqual(lines.first.map(String.init), line, file: file, line: number)
    }

    func testABadValueStopsEachProgramWithOneLineNamingTheVariableTheValueAndWhatIsAllowed() throws {
        try assertRefused(
            "consumer", ["PORT": "80a"], "consumer: error: PORT=80a is not valid: expected an integer from 1 to 65535")
        try assertRefused(
            "consumer", ["METRICS_PORT": "99999"],
            "consumer: error: METRICS_PORT=99999 is not valid: expected an integer from 1 to 65535")
        try assertRefused(
            "consumer", ["BATCH_SIZE": "lots"],
            "consumer: error: BATCH_SIZE=lots is not valid: expected an integer from 1 to 100000000")
        try assertRefused(
            "consumer", ["AUTO_OFFSET_RESET": "oldest"],
            "consumer: error: AUTO_OFFSET_RESET=oldest is not valid: expected one of earliest, latest")
        try assertRefused(
            "consumer", ["KAFKA_SECURITY_PROTOCOL": "tls"],
            "consumer: error: KAFKA_SECURITY_PROTOCOL=tls is not valid: expected one of plaintext, ssl, sasl_plaintext, sasl_ssl"
        )
        try assertRefused(
            "api", ["PORT": "80a"], "api: error: PORT=80a is not valid: expected an integer from 1 to 65535")
        try assertRefused(
            "api", ["LOG_LEVEL": "loud"],
            "api: error: LOG_LEVEL=loud is not valid: expected one of trace, debug, info, notice, warning, error, critical"
        )
        try assertRefused(
            "datafeed", ["DATAFEED_RATE": "-1"],
            "datafeed: error: DATAFEED_RATE=-1 is not valid: expected an integer from 0 to 100000000")
        try assertRefused(
            "datafeed", ["DATAFEED_CATEGORIES": "1000001"],
            "datafeed: error: DATAFEED_CATEGORIES=1000001 is not valid: expected an integer from 0 to 1000000")
    }

    func testABadCORSOriginStopsTheAPINamingTheSetting() throws {
        let expected =
            "a comma-separated list of origins such as https://dash.example.com (scheme://host[:port], no path), or *"
        try assertRefused(
            "api", ["CORS_ORIGINS": "https://ok.example,dash.example.com"],
            "api: error: CORS_ORIGINS=dash.example.com is not valid: expected \(expected)")
        let flag = try run("api", [:], ["--cors-origin", "https://dash.example.com/counts"])
        XCTAssertEqual(flag.status, 2, flag.output)
        XCTAssertEqual(
            flag.output,
            "api: error: --cors-origin=https://dash.example.com/counts is not valid: expected \(expected)\n")
    }

    func testTheConsumersPortHasItsOwnNameAndPORTIsADeprecatedFallback() throws {
        let broker = try TestEnvironment.broker
        let metricsPort = try EmbeddedBroker.freePort()
        let apiPort = try EmbeddedBroker.freePort()
        let directory = try TestEnvironment.temporaryDirectory("ports")
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker, "DATABASE_PATH": directory.appendingPathComponent("a.db").path,
                "METRICS_PORT": "\(metricsPort)", "PORT": "\(apiPort)", "HOST": "127.0.0.1", "CREATE_TOPICS": "true",
                "KAFKA_TOPIC": TestEnvironment.uniqueTopic("ports"),
            ])
        defer { consumer.signal(SIGKILL) }
        XCTAssertTrue(
            eventually(timeout: 20) { EmbeddedBroker.isListening(port: metricsPort) },
            consumer.output.suffix(2_000).description)
        XCTAssertFalse(EmbeddedBroker.isListening(port: apiPort), "PORT is left to the api when METRICS_PORT is set")

        let deprecated = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": broker, "DATABASE_PATH": directory.appendingPathComponent("b.db").path,
                "PORT": "\(apiPort)", "HOST": "127.0.0.1", "CREATE_TOPICS": "true",
                "KAFKA_TOPIC": TestEnvironment.uniqueTopic("ports"),
            ])
        defer { deprecated.signal(SIGKILL) }
        XCTAssertTrue(eventually(timeout: 20) { EmbeddedBroker.isListening(port: apiPort) })
        XCTAssertTrue(deprecated.output.contains("PORT is deprecated"), deprecated.output.suffix(2_000).description)
    }

    func testKafkaPropertiesCannotSetWhatTheConsumerOwns() throws {
        for (key, why) in [
            ("group.id", "the group is the configuration's groupID (CONSUMER_GROUP, --group)"),
            ("enable.auto.commit", "offsets are stored with the counts, never committed by librdkafka on its own"),
            ("isolation.level", "read_committed: records of aborted transactions are never counted"),
        ] {
            try assertRefused(
                "consumer", ["KAFKA_PROPERTIES": "fetch.wait.max.ms=100,\(key)=x"],
                "consumer: error: KAFKA_PROPERTIES is not valid: expected no property the consumer owns, but it sets \(key): \(why)"
            )
        }
    }

    func testAnUnreadableKafkaPropertiesValueIsNotRepeated() throws {
        let result = try run("consumer", ["KAFKA_PROPERTIES": "Sasl.Password=hunter2-secret"])
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertFalse(result.output.contains("hunter2-secret"), result.output)
        XCTAssertTrue(result.output.contains("KAFKA_PROPERTIES is not valid"), result.output)
    }

    func testKafkaPropertiesTakeValuesThatHoldCommas() throws {
        let directory = try TestEnvironment.temporaryDirectory("properties")
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                "KAFKA_BROKER": try TestEnvironment.broker,
                "DATABASE_PATH": directory.appendingPathComponent("c.db").path,
                "METRICS_PORT": "\(try EmbeddedBroker.freePort())", "HOST": "127.0.0.1", "LOG_LEVEL": "debug",
                "KAFKA_PROPERTIES": "debug=cgrp,fetch,client.id=comma-test", "CREATE_TOPICS": "true",
                "KAFKA_TOPIC": TestEnvironment.uniqueTopic("properties"),
            ])
        defer { consumer.signal(SIGKILL) }
        // librdkafka's own debug lines for both contexts, from the one property `debug=cgrp,fetch`.
        let applied = eventually(timeout: 30) {
            consumer.output.contains("rdkafka.facility=CGRP") && consumer.output.contains("rdkafka.facility=FETCH")
        }
        XCTAssertTrue(applied, consumer.output.suffix(3_000).description)
        XCTAssertTrue(consumer.output.contains("comma-test"), "client.id is the next property, not part of debug")
    }

    func testAnOutageAtStartExits69AndABadSettingExits2() throws {
        let directory = try TestEnvironment.temporaryDirectory("exit-status")
        let closedPort = try EmbeddedBroker.freePort()
        let unreachable = try run(
            "consumer", ["DATABASE_URL": "postgres://postgres@127.0.0.1:\(closedPort)/counts", "LOG_LEVEL": "error"])
        XCTAssertEqual(unreachable.status, 69, "PostgreSQL unreachable: EX_UNAVAILABLE\n\(unreachable.output)")
        XCTAssertTrue(unreachable.output.contains("consumer: error:"), unreachable.output)

        // An operator command rewriting the files holds their lock: the database is busy.
        let database = directory.appendingPathComponent("foodcount.db").path
        let lock = open(directory.appendingPathComponent("foodcount-consumer.db.lock").path, O_RDWR | O_CREAT, 0o644)
        XCTAssertEqual(flock(lock, LOCK_EX), 0)
        defer { close(lock) }
        let busy = try run("consumer", ["DATABASE_PATH": database, "LOG_LEVEL": "error"])
        XCTAssertEqual(busy.status, 69, "database busy: EX_UNAVAILABLE\n\(busy.output)")
        XCTAssertTrue(busy.output.contains("rewriting"), busy.output)

        let file = directory.appendingPathComponent("a-file")
        try Data().write(to: file)
        let wrongPath = try run(
            "consumer", ["DATABASE_PATH": file.appendingPathComponent("foodcount.db").path, "LOG_LEVEL": "error"])
        XCTAssertEqual(wrongPath.status, 2, "a path that cannot be used is a setting to fix\n\(wrongPath.output)")
    }

    func testCheckConfigReportsEveryWrongSettingOnItsOwnLineAndCountsNothing() throws {
        let directory = try TestEnvironment.temporaryDirectory("check-config")
        let database = directory.appendingPathComponent("foodcount.db").path
        let wrong = try run(
            "consumer", ["BATCH_SIZE": "0", "ERRORS_TOLERANCE": "maybe", "DATABASE_PATH": database],
            ["check-config", "--metrics-port", "99999"])
        XCTAssertEqual(wrong.status, 2, wrong.output)
        let problems = wrong.output.split(separator: "\n").filter { $0.hasPrefix("problem") }
        XCTAssertEqual(
            Set(problems.map { String($0.dropFirst("problem  settings: ".count)) }),
            [
                "--metrics-port=99999 is not valid: expected an integer from 1 to 65535",
                "BATCH_SIZE=0 is not valid: expected an integer from 1 to 100000000",
                "ERRORS_TOLERANCE=maybe is not valid: expected one of dead-letter, stop",
            ], wrong.output)

        let broker = try TestEnvironment.broker
        let topic = TestEnvironment.uniqueTopic("check-config")
        try TestEnvironment.createTopic(topic, partitions: 3)
        let environment = [
            "KAFKA_BROKER": broker, "KAFKA_TOPIC": topic, "DLQ_TOPIC": topic + ".dlq", "DATABASE_PATH": database,
        ]
        let missingDeadLetters = try run("consumer", environment, ["check-config"])
        XCTAssertEqual(missingDeadLetters.status, 69, missingDeadLetters.output)
        XCTAssertTrue(
            missingDeadLetters.output.contains("ok       broker: \(broker): topic '\(topic)' has 3 partitions"),
            missingDeadLetters.output)
        XCTAssertTrue(
            missingDeadLetters.output.contains("problem  broker: \(broker): topic '\(topic).dlq' does not exist"),
            missingDeadLetters.output)

        try TestEnvironment.createTopic(topic + ".dlq", partitions: 1)
        let fine = try run("consumer", environment, ["check-config"])
        XCTAssertEqual(fine.status, 0, fine.output)
        XCTAssertFalse(fine.output.contains("problem"), fine.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: database), "check-config counts nothing, creates nothing")
    }

    func testAPasswordInTheDatabaseFlagIsLeftOutOfTheLogsAndWarnedAbout() throws {
        let password = "pw-\(UUID().uuidString)"
        for program in ["consumer", "foodcount"] {
            let arguments = program == "consumer" ? [] : ["offsets", "show"]
            let result = try run(
                program, ["LOG_LEVEL": "warning"],
                arguments + [
                    "--database", "postgres://counter:\(password)@127.0.0.1:\(try EmbeddedBroker.freePort())/c",
                ])
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertFalse(result.output.contains(password), "\(program) shows the password: \(result.output)")
            XCTAssertTrue(result.output.contains("postgres://counter@127.0.0.1"), result.output)
            XCTAssertTrue(result.output.contains("DATABASE_URL_FILE"), "\(program) warns: \(result.output)")
        }
    }

    func testSecretsNeverAppearInHelpLogsOrMetrics() throws {
        let password = "pa55-\(UUID().uuidString)"
        let directory = try TestEnvironment.temporaryDirectory("secrets")
        let secretFile = directory.appendingPathComponent("password")
        try Data((password + "\n").utf8).write(to: secretFile)
        let port = try EmbeddedBroker.freePort()
        let consumer = try ChildProcess(
            TestEnvironment.executable("consumer"), [],
            environment: [
                // SASL against a plaintext broker: the client fails, and says so, without the password.
                "KAFKA_BROKER": try TestEnvironment.broker, "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext",
                "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "KAFKA_SASL_USERNAME": "alice",
                "KAFKA_SASL_PASSWORD_FILE": secretFile.path, "LOG_LEVEL": "debug",
                "DATABASE_PATH": directory.appendingPathComponent("s.db").path, "METRICS_PORT": "\(port)",
                "HOST": "127.0.0.1",
            ])
        defer { consumer.signal(SIGKILL) }
        _ = eventually(timeout: 15) { !consumer.isRunning }
        let metrics = try? ChildProcess.run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/metrics"]).output
        var help = ""
        for (program, arguments) in [
            ("consumer", ["--help"]), ("consumer", ["check-config", "--help"]), ("datafeed", ["--help"]),
            ("api", ["--help"]), ("foodcount", ["offsets", "reset", "--help"]), ("foodcount", ["audit", "--help"]),
        ] {
            help += try run(program, ["KAFKA_SASL_PASSWORD_FILE": secretFile.path], arguments).output
        }
        for (name, text) in [("log", consumer.output), ("metrics", metrics ?? ""), ("--help", help)] {
            XCTAssertFalse(text.contains(password), "the password shows in the \(name)")
        }
        XCTAssertTrue(
            consumer.output.contains("alice") || !consumer.isRunning, consumer.output.suffix(2_000).description)
    }
}
