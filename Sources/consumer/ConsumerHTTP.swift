import FoodCountObservability
import Hummingbird

/// The consumer's HTTP endpoints: `/metrics`, `/livez`, `/readyz`. Every request is counted and timed in the same
/// `hb_*` and `http_server_*` metrics as the api's (`docs/observability.md`).
enum ConsumerHTTP {
    /// The routes.
    /// - Parameters:
    ///   - exporter: Renders `/metrics`.
    ///   - readiness: Evaluates readiness now (and refreshes `foodcount_ready`).
    static func router(
        exporter: MetricsExporter,
        readiness: @escaping @Sendable () -> Readiness.Report
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware())
        router.get("/metrics") { _, _ -> Response in
            _ = readiness()  // refreshes foodcount_ready
            return .prometheus(exporter.render())
        }
        router.get("/livez") { _, _ -> Response in
            try .json(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ -> Response in
            let report = readiness()
            guard report.failing.isEmpty else {
                var body = ["status": "not_ready", "failing": report.failing.joined(separator: ",")]
                body["reason"] = report.reason
                return try .json(.serviceUnavailable, body)
            }
            return try .json(.ok, ["status": "ready"])
        }
        return router
    }
}
