import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitalsJSON

/// The responses of the authorization server and its pages, whether a
/// handler returns them or an error (``OAuthHTTPError``, ``PageHTTPError``)
/// renders itself with them: nothing here is ever cached.
enum HTTPReply {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: value.text())))
    }

    /// A page that loads nothing from elsewhere and must not be framed
    /// (clickjacking). A `Content-Security-Policy` in `headers` replaces the
    /// default one: the consent page names its redirect's destination in `form-action`.
    static func html(_ page: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        if fields[.contentSecurityPolicy] == nil {
            fields[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' *; frame-ancestors 'none'"
        }
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }

    static func redirect(_ location: String, status: HTTPResponse.Status = .found, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.location] = location
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields)
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
