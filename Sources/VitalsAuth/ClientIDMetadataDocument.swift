import Foundation
import VitalsJSON
import VitalsStore

/// A Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document-00;
/// MCP 2026-07-28 `basic/authorization/client-registration`): a client
/// whose `client_id` is an https URL publishes its metadata there, and the
/// authorization server fetches it instead of asking it to register.
public struct ClientIDMetadataDocument: Sendable, Equatable {
    /// The document's URL, which is the client id.
    public let clientID: String
    public let clientName: String
    public let redirectURIs: [RedirectURI]
    public let applicationType: OAuthApplicationType
    public let scope: String?

    /// Whether a `client_id` is a URL (a metadata document) rather than the
    /// id of a registered client (`vc_…`).
    public static func isURL(_ clientID: String) -> Bool {
        let lowered = clientID.lowercased()
        return lowered.hasPrefix("https://") || lowered.hasPrefix("http://")
    }

    /// Checks a `client_id` URL (draft §3; MCP: "MUST use the https scheme
    /// and contain a path component"): https, a path other than `/`, no
    /// dot segments, no fragment, no user name or password. Plain http is
    /// accepted on a loopback host only when `allowHTTPLoopback` (tests).
    /// - Throws: `invalid_client` naming the rule broken.
    public static func url(of clientID: String, allowHTTPLoopback: Bool) throws(OAuthError) -> URL {
        func refuse(_ why: String) -> OAuthError { OAuthError("invalid_client", "client_id \(clientID) \(why)") }
        guard let components = URLComponents(string: clientID), let scheme = components.scheme, let host = components.host, !host.isEmpty,
              let url = components.url else {
            throw refuse("is not a URL")
        }
        switch scheme {
        case "https": break
        case "http" where allowHTTPLoopback && RedirectURI.isLoopback(host): break
        case "http":
            throw refuse("must be an https URL (a Client ID Metadata Document); plain http is accepted only on loopback, "
                + "and only when the server runs with VITALS_OAUTH_ALLOW_HTTP_CLIENT_IDS=1 (tests)")
        default: throw refuse("must be an https URL (a Client ID Metadata Document)")
        }
        if components.fragment != nil { throw refuse("must not have a fragment") }
        if components.user != nil || components.password != nil { throw refuse("must not carry a user name or password") }
        let segments = components.path.split(separator: "/", omittingEmptySubsequences: false)
        guard components.path.count > 1 else { throw refuse("must have a path, such as https://app.example.com/oauth/client.json") }
        if segments.contains(where: { $0 == "." || $0 == ".." }) { throw refuse("must not have . or .. path segments") }
        return url
    }

    /// Parses and validates a fetched document against the URL it came from
    /// (draft §4.1): a JSON object whose `client_id` equals the URL exactly,
    /// with a `client_name` and `redirect_uris` that this server's rules
    /// accept for its `application_type`; a public client (no secret).
    /// - Throws: `invalid_client` naming what is wrong.
    public init(body: [UInt8], url clientID: String) throws(OAuthError) {
        func refuse(_ why: String) -> OAuthError { OAuthError("invalid_client", "the client metadata document at \(clientID) \(why)") }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes: body)
        } catch {
            throw refuse("is not JSON (\(error.description))")
        }
        guard case let .object(fields) = value else { throw refuse("is not a JSON object") }
        guard case let .string(documentID)? = fields["client_id"] else { throw refuse("has no client_id") }
        guard documentID == clientID else {
            throw refuse("names client_id \(documentID); it must be the document's own URL, character for character")
        }
        guard case let .string(name)? = fields["client_name"], !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw refuse("has no client_name")
        }
        guard case let .array(items)? = fields["redirect_uris"], !items.isEmpty else { throw refuse("has no redirect_uris") }
        if fields["client_secret"] != nil || fields["client_secret_expires_at"] != nil {
            throw refuse("contains a client secret; a client identified by a metadata document must not have one")
        }
        if let method = fields["token_endpoint_auth_method"] {
            guard case .string("none") = method else {
                throw refuse("asks for token_endpoint_auth_method \(method.text()); this server serves public clients only: use none")
            }
        }
        let type: OAuthApplicationType
        switch fields["application_type"] {
        case nil: type = .web
        case let .string(raw)?:
            guard let known = OAuthApplicationType(rawValue: raw) else { throw refuse("has application_type \(raw); use web or native") }
            type = known
        case let other?: throw refuse("has application_type \(other.text()); use \"web\" or \"native\"")
        }
        var uris: [RedirectURI] = []
        for item in items {
            guard case let .string(uri) = item else { throw refuse("lists a redirect URI that is not a string: \(item.text())") }
            do {
                uris.append(try RedirectURI(uri, for: type))
            } catch {
                throw refuse("lists an unacceptable redirect URI: \(error.message)")
            }
        }
        self.clientID = clientID
        clientName = String(name.prefix(100))
        redirectURIs = uris
        applicationType = type
        scope = if case let .string(text)? = fields["scope"] { text } else { nil }
    }

    /// The client as the store records it (grants refer to it).
    public func client(now: Int64) -> OAuthClient {
        OAuthClient(clientID: clientID, name: clientName, redirectURIs: redirectURIs.map(\.text), scope: scope, createdAt: now,
                    applicationType: applicationType)
    }
}
