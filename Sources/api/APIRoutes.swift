import FoodCountCore
import FoodCountObservability
import Foundation
import Hummingbird
import Logging

/// The API's routes: `GET /aggregated`, plus `/livez` and `/readyz`.
enum APIRoutes {
    static func router(reader: any CountReader, exporter: MetricsExporter, logger: Logger) -> Router<
        BasicRequestContext
    > {
        let router = Router()
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: JSONErrorMiddleware())
        router.get("/metrics") { _, _ -> Response in
            // The top categories come from the database at scrape time (bounded to 20 series).
            let counts = (try? await reader.counts()) ?? [:]
            let text = exporter.render(extra: topCategories(counts, limit: 20))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/aggregated") { _, _ -> Response in
            let counts: [String: Int64]
            do {
                counts = try await reader.counts()
            } catch {
                logger.warning("counts unavailable", metadata: ["error": "\(error)"])
                return try json(.serviceUnavailable, ErrorBody(error))
            }
            return try json(.ok, counts)
        }
        router.get("/livez") { _, _ -> Response in
            try json(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ -> Response in
            do {
                _ = try await reader.counts()
            } catch {
                return try json(.serviceUnavailable, ErrorBody(error))
            }
            return try json(.ok, ["status": "ready"])
        }
        for path in ["/aggregated", "/livez", "/readyz", "/metrics"] {
            for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    var response = try json(
                        .methodNotAllowed,
                        ErrorBody(code: "method_not_allowed", message: "\(method) \(path) is not supported; use GET"))
                    response.headers[.allow] = "GET"
                    return response
                }
            }
        }
        return router
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
        var text = "# HELP foodcount_category_events Events counted per category (the \(limit) largest).\n"
        text += "# TYPE foodcount_category_events gauge\n"
        for (category, count) in top {
            let escaped = category.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            text += "foodcount_category_events{category=\"\(escaped)\"} \(count)\n"
        }
        return text
    }

    /// Turns Hummingbird's errors (such as the 404 for an unknown path) into the API's JSON error body.
    struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
            async throws
            -> Response
        {
            do {
                return try await next(request, context)
            } catch let error as HTTPError {
                let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
                let message =
                    error.status == .notFound ? "no such path: \(request.uri.path)" : "\(error.status.reasonPhrase)"
                return try json(error.status, ErrorBody(code: code, message: message))
            }
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var body = try encoder.encode(value)
        body.append(0x0A)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
