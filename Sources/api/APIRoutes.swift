import FoodCountCore
import Foundation
import Hummingbird
import Logging

/// The API's routes: `GET /aggregated`, plus `/livez` and `/readyz`.
enum APIRoutes {
    static func router(reader: any CountReader, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: LogRequestsMiddleware(.info))
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
        return router
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
        init(_ error: any Error) {
            let error = error as? StoreError ?? StoreError(code: .other, message: "\(error)")
            self.error = Detail(code: error.code.rawValue, message: error.message)
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var body = try encoder.encode(value)
        body.append(0x0A)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
