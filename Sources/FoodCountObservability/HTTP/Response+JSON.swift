import Foundation
import Hummingbird

extension Response {
    /// The JSON response both HTTP servers answer with: keys sorted, slashes unescaped, a newline at the end,
    /// `Content-Type: application/json; charset=utf-8`.
    /// - Parameters:
    ///   - status: The response status.
    ///   - value: The body.
    /// - Throws: `EncodingError` when `value` cannot be encoded.
    public static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        var body = try jsonEncoder.encode(value)
        body.append(0x0A)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// The Prometheus text exposition format, version 0.0.4.
    /// - Parameter text: The exposition.
    public static func prometheus(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    private static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
