import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A minimal HTTP client for tests.
public enum HTTP {
    /// A response.
    public struct Response: Sendable {
        /// The status code.
        public let status: Int
        /// The body.
        public let body: Data

        /// The body decoded as a JSON object, if it is one.
        public var jsonObject: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        }
    }

    /// Sends a request and returns the response, or throws if the server cannot be reached.
    public static func request(_ url: String, method: String = "GET") async throws -> Response {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 5
        let (data, response) = try await URLSession.shared.data(for: request)
        return Response(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// The counts served at `/aggregated`, or `nil` while the server answers anything but 200.
    public static func counts(port: Int) async -> [String: Int]? {
        guard let response = try? await request("http://127.0.0.1:\(port)/aggregated"), response.status == 200 else {
            return nil
        }
        return response.jsonObject?.compactMapValues { $0 as? Int }
    }
}
