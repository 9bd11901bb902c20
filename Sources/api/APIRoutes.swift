import FoodCountCore
import FoodCountObservability
import Foundation
import Hummingbird
import Logging

/// The API's routes: `GET /aggregated`, the page at `/`, `/openapi.yaml`, `/livez`, `/readyz` and `/metrics`.
/// Every GET route answers HEAD too. `docs/openapi.yaml` describes them all.
enum APIRoutes {
    /// - Parameters:
    ///   - reader: Reads the counts.
    ///   - exporter: Renders `/metrics`.
    ///   - logger: For what goes wrong while answering.
    ///   - cors: The browser origins allowed to read the API from another site; none by default.
    static func router(
        reader: any CountReader, exporter: MetricsExporter, logger: Logger, cors: CORSOrigins = .none
    ) -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        let cache = CountsBodyCache()
        // Debug, not info: the page at `/` polls every second (docs/observability.md, "Logs").
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: MetricsMiddleware())
        // Before the JSON errors, which turn an OPTIONS preflight into 405.
        if !cors.isEmpty { router.add(middleware: AllowedOriginsMiddleware(cors)) }
        router.add(middleware: JSONErrorMiddleware())
        router.get("/") { _, _ -> Response in
            text(CountsPage.html, contentType: "text/html; charset=utf-8")
        }
        router.get("/openapi.yaml") { _, _ -> Response in
            text(OpenAPIDocument.yaml, contentType: "application/yaml; charset=utf-8")
        }
        router.get("/metrics") { _, _ -> Response in
            // The top categories come from the database at scrape time: one bounded query, 20 series.
            let counts = (try? await reader.largestCounts(20).counts) ?? [:]
            return .prometheus(exporter.render(extra: topCategories(counts, limit: 20)))
        }
        router.get("/aggregated") { request, _ -> Response in
            try await aggregated(request, reader: reader, cache: cache, logger: logger)
        }
        router.get("/livez") { _, _ -> Response in
            try Response.json(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ -> Response in
            do {
                try await reader.checkReadable()
            } catch {
                return try Response.json(.serviceUnavailable, ErrorBody(error))
            }
            return try Response.json(.ok, ["status": "ready"])
        }
        return router
    }

    /// `GET /aggregated`: the counts, with an entity tag from the database's change counter, so that a client
    /// that already has them gets `304 Not Modified` without the table being read. The full answer's body is
    /// kept per version; a filtered one is read with bounded queries (`docs/design.md`, "The API at any
    /// size").
    static func aggregated(
        _ request: Request, reader: any CountReader, cache: CountsBodyCache, logger: Logger
    ) async throws -> Response {
        let query: AggregatedQuery
        do {
            query = try AggregatedQuery(request.uri.queryParameters)
        } catch {
            return try Response.json(.badRequest, ErrorBody(code: "bad_request", message: error.message))
        }
        if let tags = request.headers[.ifNoneMatch], let version = try? await reader.currentVersion(),
            EntityTag.matches(tags, query.entityTag(version))
        {
            var response = Response(status: .notModified)
            response.headers[.eTag] = query.entityTag(version)
            response.headers[.cacheControl] = "no-cache"
            return response
        }
        let body: ByteBuffer
        let version: String?
        do {
            (body, version) = try await answer(query, reader: reader, cache: cache)
        } catch {
            logger.warning("counts unavailable", metadata: ["error": "\(error)"])
            return try Response.json(.serviceUnavailable, ErrorBody(error))
        }
        var response = Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: body))
        if let version { response.headers[.eTag] = query.entityTag(version) }
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    /// The body a query selects, and the version of the counts it was read at.
    private static func answer(
        _ query: AggregatedQuery, reader: any CountReader, cache: CountsBodyCache
    ) async throws(StoreError) -> (ByteBuffer, String?) {
        if query.isDefault {
            if let version = try await reader.currentVersion(), let body = cache.body(for: version) {
                return (body, version)
            }
            let (counts, version) = try await reader.sortedCounts()
            var body = ByteBufferAllocator().buffer(capacity: CountsJSON.encodedCount(counts))
            body.writeWithUnsafeMutableBytes(minimumWritableBytes: body.capacity) {
                CountsJSON.encode(counts, into: $0)
            }
            cache.keep(body, for: version)
            return (body, version)
        }
        let (counts, version) =
            query.categories.isEmpty
            ? try await reader.largestCounts(query.top ?? 1)
            : try await reader.versionedCounts(of: query.categories)
        return (ByteBuffer(bytes: CountsJSON.encode(query.apply(to: counts))), version)
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
        init(code: String, message: String) { error = Detail(code: code, message: message) }

        init(_ error: any Error) {
            let error = error as? StoreError ?? StoreError(code: .other, message: "\(error)")
            self.error = Detail(code: error.code.rawValue, message: error.message)
        }
    }

    /// `foodcount_category_events{category}` for the `limit` largest counts, in Prometheus text format.
    static func topCategories(_ counts: [String: Int64], limit: Int) -> String {
        let top = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit)
        let metric = MetricDefinition.categoryEvents
        var text = "# HELP \(metric.name) \(metric.help)\n# TYPE \(metric.name) \(metric.kind.rawValue)\n"
        for (category, count) in top {
            let escaped = category.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            text += "\(metric.name){\(metric.labels[0])=\"\(escaped)\"} \(count)\n"
        }
        return text
    }

    /// The paths the API serves; any method but GET and HEAD on them answers 405.
    static let paths: Set<String> = ["/", "/openapi.yaml", "/aggregated", "/livez", "/readyz", "/metrics"]

    /// Turns Hummingbird's errors (such as the 404 for an unknown path) into the API's JSON error body, and the
    /// 404 for another method than GET or HEAD on a path the API serves into 405.
    struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
            async throws
            -> Response
        {
            do {
                return try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound && APIRoutes.paths.contains(request.uri.path)
            {
                var response = try Response.json(
                    .methodNotAllowed,
                    ErrorBody(
                        code: "method_not_allowed",
                        message: "\(request.method) \(request.uri.path) is not supported; use GET or HEAD"))
                response.headers[.allow] = "GET, HEAD"
                return response
            } catch let error as HTTPError {
                let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
                let message =
                    error.status == .notFound ? "no such path: \(request.uri.path)" : "\(error.status.reasonPhrase)"
                return try Response.json(error.status, ErrorBody(code: code, message: message))
            }
        }
    }

    static func text(_ text: String, contentType: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
