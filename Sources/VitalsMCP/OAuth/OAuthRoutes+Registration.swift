import Foundation
import Hummingbird
import VitalsAuth
import VitalsJSON
import VitalsStore

extension OAuthRoutes {
    /// `POST /register` (RFC 7591): public clients only — whatever auth
    /// method was asked for, the client is registered with `none` (§3.2.1
    /// allows replacing it) — with redirect URIs checked for the client's
    /// `application_type` (RFC 8252 §8.4; `web` when absent).
    func register(_ request: Request) async throws(OAuthHTTPError) -> Response {
        guard let buffer = try? await request.body.collect(upTo: 64 << 10),
              let metadata = try? JSONValue.parse(String(buffer: buffer)), case let .object(fields) = metadata else {
            throw OAuthHTTPError("invalid_client_metadata", "the body must be a JSON object of client metadata (RFC 7591)")
        }
        func strings(_ name: String) -> [String]? {
            guard case let .array(items)? = fields[name] else { return nil }
            return items.compactMap { if case let .string(text) = $0 { text } else { nil } }
        }
        let name: String = if case let .string(text)? = fields["client_name"] { text } else { "" }
        let scope: String? = if case let .string(text)? = fields["scope"] { text } else { nil }
        let applicationType: OAuthApplicationType
        switch fields["application_type"] {
        case nil: applicationType = .web
        case let .string(raw)?:
            guard let known = OAuthApplicationType(rawValue: raw) else {
                throw OAuthHTTPError("invalid_client_metadata", "application_type \(raw) is not supported; use web or native")
            }
            applicationType = known
        case let other?:
            throw OAuthHTTPError("invalid_client_metadata", "application_type must be the string web or native, got \(other.text())")
        }
        guard case let .array(uriValues)? = fields["redirect_uris"], !uriValues.isEmpty else {
            throw OAuthHTTPError("invalid_client_metadata", "redirect_uris is required and must not be empty")
        }
        var redirectURIs: [String] = []
        for value in uriValues {
            guard case let .string(uri) = value else {
                throw OAuthHTTPError("invalid_client_metadata", "redirect_uris must be strings, got \(value.text())")
            }
            do {
                redirectURIs.append(try RedirectURI(uri, for: applicationType).text)
            } catch {
                throw OAuthHTTPError(error)
            }
        }
        if let grants = strings("grant_types"), let other = grants.first(where: { !["authorization_code", "refresh_token"].contains($0) }) {
            throw OAuthHTTPError("invalid_client_metadata", "grant type \(other) is not supported; use authorization_code and refresh_token")
        }
        if let types = strings("response_types"), types.contains(where: { $0 != "code" }) {
            throw OAuthHTTPError("invalid_client_metadata", "only the response type code is supported")
        }
        if let scope {
            do {
                _ = try OAuthPolicy.scopes(scope)
            } catch {
                throw OAuthHTTPError("invalid_client_metadata", error.message)
            }
        }
        let client = OAuthClient(clientID: OAuthPolicy.newClientID(), name: name.isEmpty ? "Unnamed app" : String(name.prefix(100)),
                                 redirectURIs: redirectURIs, scope: scope, createdAt: Int64(Date().timeIntervalSince1970),
                                 applicationType: applicationType)
        do {
            try server.store.registerOAuthClient(client)
        } catch {
            throw .serverError(error)
        }
        var body: [String: JSONValue] = [
            "client_id": .string(client.clientID),
            "client_id_issued_at": .int(Int(client.createdAt)),
            "client_name": .string(client.name),
            "redirect_uris": .array(client.redirectURIs.map { .string($0) }),
            "grant_types": .array([.string("authorization_code"), .string("refresh_token")]),
            "response_types": .array([.string("code")]),
            "token_endpoint_auth_method": .string("none"),
            "application_type": .string(client.applicationType.rawValue),
        ]
        if let scope { body["scope"] = .string(scope) }
        return HTTPReply.json(.object(body), status: .created)
    }
}
