import Hummingbird

/// Hummingbird's `CORSMiddleware` for the allowed origins only: a request from an origin that is not allowed (or
/// without `Origin`) passes on untouched and gets no `Access-Control-*` header, and a preflight `OPTIONS` from it
/// gets the API's usual 405. An allowed origin gets `Access-Control-Allow-Origin` (its own origin, or `*`) and its
/// preflight a 204 naming GET and HEAD.
struct AllowedOriginsMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: CORSOrigins
    let cors: CORSMiddleware<Context>

    /// - Parameter allowed: The origins to answer; must not be empty (no middleware at all then).
    init(_ allowed: CORSOrigins) {
        self.allowed = allowed
        cors = CORSMiddleware(
            allowOrigin: allowed.allowsAll ? .all : .originBased,
            allowHeaders: [.accept, .contentType, .ifNoneMatch],
            allowMethods: [.get, .head, .options],
            exposedHeaders: ["ETag"],
            maxAge: .seconds(600))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if allowed.allows(request.headers[.origin]) {
            return try await cors.handle(request, context: context, next: next)
        }
        var response = try await next(request, context)
        // The answer depends on Origin: a cache must not give this one to an allowed origin.
        if !allowed.allowsAll { response.headers[values: .vary].append("Origin") }
        return response
    }
}
