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

    /// A response as curl saw it on the wire: status, headers (names lowercased) and body.
    public struct Exchange: Sendable {
        /// The status code.
        public let status: Int
        /// The headers, by lowercased name.
        public let headers: [String: String]
        /// The body.
        public let body: String
    }

    /// Sends a request with curl (no cache, no conversion) and returns what came back.
    public static func curl(_ url: String, method: String = "GET", headers: [String: String] = [:]) throws -> Exchange {
        var arguments = ["-s", "-i", "--max-time", "10", "-X", method, url]
        if method == "HEAD" { arguments = ["-s", "-I", "--max-time", "10", url] }
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        let result = try ChildProcess.run("/usr/bin/curl", arguments)
        let parts = result.output.components(separatedBy: "\r\n\r\n")
        let head = parts.first?.components(separatedBy: "\r\n") ?? []
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else {
            throw TestFailure("curl \(url): \(result.output)")
        }
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Exchange(status: status, headers: fields, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
