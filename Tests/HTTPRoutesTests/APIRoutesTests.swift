import FoodCountCore
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Synchronization
import XCTest

@testable import FoodCountObservability
@testable import FoodCountSettings
@testable import api

/// The API's routes in process, over a fake reader; `APIFeatureTests` checks the entity tag of the real
/// database and `APIConformanceTests` the running program against `docs/openapi.yaml`.
final class APIRoutesTests: XCTestCase {
    private func withAPI(
        _ reader: FakeCountReader, cors: CORSOrigins = .none, logger: Logger? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let router = APIRoutes.router(
            reader: reader, exporter: MetricsExporter(registry: PrometheusCollectorRegistry()),
            logger: Logger(label: "test"), cors: cors)
        try await Application(router: router, logger: logger).test(.router, body)
    }

    func testNoCORSHeadersByDefault() async throws {
        try await withAPI(FakeCountReader(["soup": 3])) { client in
            let get = try await client.execute(
                uri: "/aggregated", method: .get, headers: [.origin: "https://dash.example.com"])
            XCTAssertEqual(get.status, .ok)
            XCTAssertNil(get.headers[.accessControlAllowOrigin])
            let preflight = try await client.execute(
                uri: "/aggregated", method: .options,
                headers: [.origin: "https://dash.example.com", .accessControlRequestMethod: "GET"])
            XCTAssertEqual(preflight.status, .methodNotAllowed, "OPTIONS is not served without CORS")
            XCTAssertNil(preflight.headers[.accessControlAllowOrigin])
            XCTAssertNil(preflight.headers[.accessControlAllowMethods])
        }
    }

    func testAnAllowedOriginGetsCORSHeadersOnGetAndPreflightAndAForeignOneDoesNot() async throws {
        let cors = try CORSOrigins.parse(["https://dash.example.com", "http://localhost:3000"], named: "CORS_ORIGINS")
        try await withAPI(FakeCountReader(["soup": 3]), cors: cors) { client in
            let get = try await client.execute(
                uri: "/aggregated", method: .get, headers: [.origin: "https://dash.example.com"])
            XCTAssertEqual(get.status, .ok)
            XCTAssertEqual(String(buffer: get.body), #"{"soup":3}"# + "\n")
            XCTAssertEqual(get.headers[.accessControlAllowOrigin], "https://dash.example.com")
            XCTAssertEqual(get.headers[.accessControlExposeHeaders], nil, "not on a simple request's answer")
            XCTAssertTrue(get.headers[values: .vary].contains("Origin"), "\(get.headers)")

            let preflight = try await client.execute(
                uri: "/aggregated", method: .options,
                headers: [.origin: "http://localhost:3000", .accessControlRequestMethod: "GET"])
            XCTAssertEqual(preflight.status, .noContent)
            XCTAssertEqual(preflight.headers[.accessControlAllowOrigin], "http://localhost:3000")
            XCTAssertEqual(preflight.headers[.accessControlAllowMethods], "GET, HEAD, OPTIONS")
            XCTAssertEqual(preflight.headers[.accessControlMaxAge], "600")

            let foreign = try await client.execute(
                uri: "/aggregated", method: .get, headers: [.origin: "https://evil.example.com"])
            XCTAssertEqual(foreign.status, .ok)
            XCTAssertNil(foreign.headers[.accessControlAllowOrigin])
            XCTAssertTrue(foreign.headers[values: .vary].contains("Origin"), "a cache keeps the two apart")
            let foreignPreflight = try await client.execute(
                uri: "/aggregated", method: .options,
                headers: [.origin: "https://evil.example.com", .accessControlRequestMethod: "GET"])
            XCTAssertEqual(foreignPreflight.status, .methodNotAllowed)
            XCTAssertNil(foreignPreflight.headers[.accessControlAllowOrigin])
            XCTAssertNil(foreignPreflight.headers[.accessControlAllowMethods])
            let noOrigin = try await client.execute(uri: "/aggregated", method: .get)
            XCTAssertNil(noOrigin.headers[.accessControlAllowOrigin])
        }
    }

    func testTheWildcardAllowsEveryOriginWithAStar() async throws {
        let cors = try CORSOrigins.parse(["*"], named: "--cors-origin")
        try await withAPI(FakeCountReader(["soup": 3]), cors: cors) { client in
            let get = try await client.execute(
                uri: "/aggregated", method: .get, headers: [.origin: "https://any.example"])
            XCTAssertEqual(get.headers[.accessControlAllowOrigin], "*")
        }
    }

    func testCORSOriginsAreExactOriginsOrAStarAndAnythingElseIsRefusedNamingTheSetting() throws {
        XCTAssertEqual(
            try CORSOrigins.parse(
                [" https://Dash.Example.com ", "http://127.0.0.1:8080", "http://[::1]:3000"], named: "X"
            )
            .origins,
            ["https://dash.example.com", "http://127.0.0.1:8080", "http://[::1]:3000"])
        XCTAssertTrue(try CORSOrigins.parse(["*"], named: "X").allowsAll)
        for bad in [
            "dash.example.com", "https://dash.example.com/", "https://dash.example.com/api", "https://",
            "*.example.com",
            "https://dash.example.com:0", "https://dash.example.com:99999", "https://user@dash.example.com",
            "https://dash.example.com?x=1", "",
        ] {
            XCTAssertThrowsError(try CORSOrigins.parse([bad], named: "CORS_ORIGINS"), bad) { error in
                XCTAssertEqual(
                    "\(error)",
                    "CORS_ORIGINS=\(bad) is not valid: expected \(CORSOrigins.expected)")
            }
        }
        XCTAssertThrowsError(try CORSOrigins.parse(["*", "https://a.example"], named: "--cors-origin")) { error in
            XCTAssertEqual((error as? SettingError)?.variable, "--cors-origin")
        }
        let environment = try Settings(environment: ["CORS_ORIGINS": "https://a.example, http://b.example:8080"])
        XCTAssertEqual(
            try CORSOrigins.resolve(flags: [], settings: environment).origins,
            ["https://a.example", "http://b.example:8080"])
        XCTAssertEqual(
            try CORSOrigins.resolve(flags: ["https://c.example"], settings: environment).origins, ["https://c.example"],
            "the flags win")
        XCTAssertEqual(try CORSOrigins.resolve(flags: [], settings: Settings(environment: [:])), .none)
        XCTAssertEqual(try CORSOrigins.resolve(flags: [], settings: Settings(environment: ["CORS_ORIGINS": ""])), .none)
        XCTAssertThrowsError(
            try CORSOrigins.resolve(flags: [], settings: Settings(environment: ["CORS_ORIGINS": "https://a.example,"])))
    }

    func testRequestsAreLoggedAtDebugSoAnInfoLoggerRecordsNoLinePerRequest() async throws {
        let lines = CapturedLogLines()
        var info = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        info.logLevel = .info
        try await withAPI(FakeCountReader(["soup": 3]), logger: info) { client in
            for _ in 0..<3 { _ = try await client.execute(uri: "/aggregated", method: .get) }
        }
        XCTAssertEqual(lines.messages, [], "no line per request at info")

        var debug = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        debug.logLevel = .debug
        try await withAPI(FakeCountReader(["soup": 3]), logger: debug) { client in
            for _ in 0..<3 { _ = try await client.execute(uri: "/aggregated", method: .get) }
        }
        XCTAssertEqual(lines.messages.filter { $0 == "debug Request" }.count, 3, "\(lines.messages)")
    }

    func testTheEntityTagAnswers304UntilTheCountsChange() async throws {
        let reader = FakeCountReader(["soup": 3, "pizza": 5])
        try await withAPI(reader) { client in
            let first = try await client.execute(uri: "/aggregated", method: .get)
            XCTAssertEqual(first.status, .ok)
            XCTAssertEqual(String(buffer: first.body), #"{"pizza":5,"soup":3}"# + "\n", "the contract's body")
            XCTAssertEqual(first.headers[.contentType], "application/json; charset=utf-8")
            XCTAssertEqual(first.headers[.cacheControl], "no-cache")
            let tag = try XCTUnwrap(first.headers[.eTag])

            let unchanged = try await client.execute(uri: "/aggregated", method: .get, headers: [.ifNoneMatch: tag])
            XCTAssertEqual(unchanged.status, .notModified)
            XCTAssertEqual(unchanged.body.readableBytes, 0)
            XCTAssertEqual(unchanged.headers[.eTag], tag)
            let weak = try await client.execute(
                uri: "/aggregated", method: .get, headers: [.ifNoneMatch: "W/\(tag), \"other\""])
            XCTAssertEqual(weak.status, .notModified)

            reader.set(["soup": 4, "pizza": 5])
            let changed = try await client.execute(uri: "/aggregated", method: .get, headers: [.ifNoneMatch: tag])
            XCTAssertEqual(changed.status, .ok, "a commit changes the tag")
            XCTAssertEqual(String(buffer: changed.body), #"{"pizza":5,"soup":4}"# + "\n")
            XCTAssertNotEqual(changed.headers[.eTag], tag)
        }
    }

    func testTheFullAnswerIsReadOncePerVersionAndFiltersReadsAreBounded() async throws {
        let reader = FakeCountReader(["soup": 3, "pizza": 5, "taco": 9])
        try await withAPI(reader) { client in
            for _ in 0..<3 {
                let full = try await client.execute(uri: "/aggregated", method: .get)
                XCTAssertEqual(String(buffer: full.body), #"{"pizza":5,"soup":3,"taco":9}"# + "\n")
            }
            XCTAssertEqual(reader.reads, ["sorted"], "the body is kept while the version stays")
            reader.set(["soup": 4])
            let changed = try await client.execute(uri: "/aggregated", method: .get)
            XCTAssertEqual(String(buffer: changed.body), #"{"soup":4}"# + "\n")
            XCTAssertEqual(reader.reads, ["sorted", "sorted"])

            reader.set(["soup": 3, "pizza": 5, "taco": 9])
            reader.resetReads()
            _ = try await client.execute(uri: "/aggregated?category=soup", method: .get)
            _ = try await client.execute(uri: "/aggregated?top=1", method: .get)
            _ = try await client.execute(uri: "/metrics", method: .get)
            _ = try await client.execute(uri: "/readyz", method: .get)
            XCTAssertEqual(reader.reads, ["of [\"soup\"]", "largest 1", "largest 20", "readable"])
        }
    }

    func testHEADAnswersWithTheHeadersOfGETAndNoBody() async throws {
        try await withAPI(FakeCountReader(["soup": 3])) { client in
            let get = try await client.execute(uri: "/aggregated", method: .get)
            let head = try await client.execute(uri: "/aggregated", method: .head)
            XCTAssertEqual(head.status, .ok)
            XCTAssertEqual(head.body.readableBytes, 0)
            XCTAssertEqual(head.headers[.eTag], get.headers[.eTag])
            XCTAssertEqual(head.headers[.contentType], "application/json; charset=utf-8")
            XCTAssertEqual(head.headers[.contentLength], get.headers[.contentLength])
            let livez = try await client.execute(uri: "/livez", method: .head)
            XCTAssertEqual(livez.status, .ok)
        }
    }

    func testFiltersSelectCategoriesAndTheLargestCountsWithoutChangingTheDefaultAnswer() async throws {
        let reader = FakeCountReader(["soup": 3, "pizza": 5, "taco": 9, "bagel": 1, "café": 2])
        try await withAPI(reader) { client in
            func body(_ uri: String) async throws -> String {
                String(buffer: try await client.execute(uri: uri, method: .get).body)
            }
            let expected = [
                "/aggregated": #"{"bagel":1,"café":2,"pizza":5,"soup":3,"taco":9}"#,
                // Written as people write them: the category rule applies (trimmed, lowercased, NFC).
                "/aggregated?category=Soup&category=%20PIZZA&category=nope&category=Cafe%CC%81":
                    #"{"café":2,"pizza":5,"soup":3}"#,
                "/aggregated?top=2": #"{"pizza":5,"taco":9}"#,
                "/aggregated?top=1&category=soup&category=bagel": #"{"soup":3}"#,
            ]
            for (uri, answer) in expected {
                let served = try await body(uri)
                XCTAssertEqual(served, answer + "\n", uri)
            }
            let top = try await client.execute(uri: "/aggregated?top=2", method: .get)
            let all = try await client.execute(uri: "/aggregated", method: .get)
            XCTAssertNotEqual(top.headers[.eTag], all.headers[.eTag], "a filtered answer is another representation")
            for bad in ["top=0", "top=abc", "top=1000001", "top=1&top=2", "category=%20%20"] {
                let refused = try await client.execute(uri: "/aggregated?\(bad)", method: .get)
                XCTAssertEqual(refused.status, .badRequest, bad)
                XCTAssertTrue(String(buffer: refused.body).contains(#""code":"bad_request""#), bad)
            }
        }
    }

    func testUnknownPathsAnswer404AndOtherMethods405InTheErrorBody() async throws {
        try await withAPI(FakeCountReader([:])) { client in
            let missing = try await client.execute(uri: "/nope", method: .get)
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(
                String(buffer: missing.body), #"{"error":{"code":"not_found","message":"no such path: /nope"}}"# + "\n")
            let post = try await client.execute(uri: "/aggregated", method: .post)
            XCTAssertEqual(post.status, .methodNotAllowed)
            XCTAssertEqual(post.headers[.allow], "GET, HEAD")
            XCTAssertTrue(String(buffer: post.body).contains(#""code":"method_not_allowed""#))
        }
    }

    func testReadyzAnswers503WithTheStoreErrorWhileTheCountsCannotBeRead() async throws {
        let reader = FakeCountReader(["soup": 1])
        try await withAPI(reader) { client in
            let before = try await client.execute(uri: "/readyz", method: .get)
            XCTAssertEqual(before.status, .ok)
            reader.fail(StoreError(code: .busy, message: "database is locked"))
            let ready = try await client.execute(uri: "/readyz", method: .get)
            XCTAssertEqual(ready.status, .serviceUnavailable)
            XCTAssertEqual(
                String(buffer: ready.body), #"{"error":{"code":"busy","message":"database is locked"}}"# + "\n")
            let counts = try await client.execute(uri: "/aggregated", method: .get)
            XCTAssertEqual(counts.status, .serviceUnavailable)
            let livez = try await client.execute(uri: "/livez", method: .get)
            XCTAssertEqual(livez.status, .ok)
        }
    }

    func testMetricsAddTheLargestCategoriesWithTheirDeclaredHelp() async throws {
        try await withAPI(FakeCountReader(["soup": 3, "pizza": 5, "say \"hi\"": 1])) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "text/plain; version=0.0.4; charset=utf-8")
            let metric = MetricDefinition.categoryEvents
            let body = String(buffer: response.body)
            let categories = """
                # HELP \(metric.name) \(metric.help)
                # TYPE \(metric.name) gauge
                \(metric.name){category="pizza"} 5
                \(metric.name){category="soup"} 3
                \(metric.name){category="say \\"hi\\""} 1

                """
            XCTAssertTrue(body.hasSuffix(categories), body)
            for process in MetricDefinition.process {
                XCTAssertTrue(body.contains("# TYPE \(process.name) \(process.kind.rawValue)\n"), body)
            }
        }
    }

    func testTheServedOpenAPIDocumentIsDocsOpenapiYaml() async throws {
        let document = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../docs/openapi.yaml"),
            encoding: .utf8)
        try await withAPI(FakeCountReader([:])) { client in
            let served = try await client.execute(uri: "/openapi.yaml", method: .get)
            XCTAssertEqual(served.status, .ok)
            XCTAssertEqual(served.headers[.contentType], "application/yaml; charset=utf-8")
            XCTAssertEqual(String(buffer: served.body), document, "run scripts/openapi after editing docs/openapi.yaml")
        }
    }
}

/// Counts in memory with a version that changes with them, or a failure; it notes which reads the routes
/// make (the bounded ones are answered by the protocol's defaults).
private final class FakeCountReader: CountReader {
    private let state: Mutex<(counts: [String: Int64], version: Int, failure: StoreError?)>
    private let noted = Mutex<[String]>([])

    var reads: [String] { noted.withLock { $0 } }

    func resetReads() { noted.withLock { $0 = [] } }

    func sortedCounts() async throws(StoreError) -> (counts: SortedCounts, version: String?) {
        noted.withLock { $0.append("sorted") }
        let (counts, version) = try versioned()
        return (SortedCounts(counts), version)
    }

    func versionedCounts(of categories: [String]) async throws(StoreError) -> (
        counts: [String: Int64], version: String?
    ) {
        noted.withLock { $0.append("of \(categories)") }
        let (counts, version) = try versioned()
        return (counts.filter { categories.contains($0.key) }, version)
    }

    func largestCounts(_ limit: Int) async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        noted.withLock { $0.append("largest \(limit)") }
        let (counts, version) = try versioned()
        return (SortedCounts.largest(counts, limit: limit), version)
    }

    func checkReadable() async throws(StoreError) {
        noted.withLock { $0.append("readable") }
        _ = try versioned()
    }

    init(_ counts: [String: Int64]) { state = Mutex((counts, 1, nil)) }

    func set(_ counts: [String: Int64]) { state.withLock { $0 = (counts, $0.version + 1, nil) } }

    func fail(_ error: StoreError) { state.withLock { $0.failure = error } }

    func counts() async throws(StoreError) -> [String: Int64] { try versioned().counts }

    func versionedCounts() async throws(StoreError) -> (counts: [String: Int64], version: String?) {
        try versioned()
    }

    func currentVersion() async throws(StoreError) -> String? { try versioned().version }

    private func versioned() throws(StoreError) -> (counts: [String: Int64], version: String?) {
        let (counts, version, failure) = state.withLock { $0 }
        if let failure { throw failure }
        return (counts, "v\(version)")
    }
}

/// The lines a logger wrote, as `level message`.
private final class CapturedLogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var messages: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

/// A log handler that keeps every line it is given, at or above its level.
private struct CapturingLogHandler: LogHandler {
    let lines: CapturedLogLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append("\(event.level) \(event.message)")
    }
}
