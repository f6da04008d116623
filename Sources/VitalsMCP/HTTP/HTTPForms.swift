import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitalsJSON
import VitalsTools

/// The fields of an `application/x-www-form-urlencoded` body or a query
/// string; a name may repeat (checkboxes).
struct FormFields: Sendable {
    let pairs: [(name: String, value: String)]

    /// Parses `a=1&b=x+y` with Foundation's percent-decoding (`+` is a space).
    init(encoded: String) {
        var components = URLComponents()
        components.percentEncodedQuery = encoded.replacingOccurrences(of: "+", with: "%20")
        pairs = (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }
    }

    init(query request: Request) {
        self.init(encoded: request.uri.query ?? "")
    }

    /// A form body of at most 64 KiB.
    static func body(of request: Request) async throws -> FormFields {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        return FormFields(encoded: String(buffer: buffer))
    }

    /// The first value of `name`, nil when absent or empty.
    subscript(_ name: String) -> String? {
        pairs.first { $0.name == name }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }
}

/// Responses of the authorization server and its pages.
enum HTTPReply {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: value.text())))
    }

    /// An OAuth error body (RFC 6749 §5.2).
    static func oauthError(_ code: String, _ description: String, status: HTTPResponse.Status = .badRequest,
                           headers: HTTPFields = [:]) -> Response {
        json(.object(["error": .string(code), "error_description": .string(description)]), status: status, headers: headers)
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        // The pages load nothing from elsewhere and must not be framed (clickjacking).
        fields[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' *; frame-ancestors 'none'"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }

    static func redirect(_ location: String, status: HTTPResponse.Status = .found, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.location] = location
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields)
    }

    /// 429 with `Retry-After`.
    static func tooManyRequests(retryAfter seconds: Int, _ what: String) -> Response {
        json(.object(["error": .string("rate limit exceeded for \(what); retry after \(seconds) s")]), status: .tooManyRequests,
             headers: [.retryAfter: String(seconds)])
    }

    /// `uri` with `parameters` appended to its query.
    static func url(_ uri: String, adding parameters: [(String, String?)]) -> String {
        var components = URLComponents(string: uri) ?? URLComponents()
        var items = components.queryItems ?? []
        for (name, value) in parameters { if let value { items.append(URLQueryItem(name: name, value: value)) } }
        components.queryItems = items
        // URLComponents leaves `+` alone, which a form decoder reads as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? uri
    }
}
