import Hummingbird
import VitalsJSON
import VitalsStore

/// The discovery documents, under `/.well-known`: where an MCP client that
/// was answered 401 finds the authorization server. Public and cheap, so
/// not rate limited; their addresses follow the port the server is bound
/// to (or `--public-url`).
struct DiscoveryRoutes: Sendable {
    let urls: ServerURLs

    static let scopeNames = JSONValue.array(Scope.allCases.map { .string($0.rawValue) })

    /// The routes, relative to `/.well-known`. The protected resource
    /// metadata is served at the root form and at the resource's path
    /// (RFC 9728 §3.1 inserts the path after the well-known segment).
    func collection() -> RouteCollection<VitalsRequestContext> {
        let routes = RouteCollection(context: VitalsRequestContext.self)
        routes.get("oauth-protected-resource") { _, _ in protectedResourceMetadata() }
        routes.get(RouterPath(stringLiteral: "oauth-protected-resource" + urls.endpoint)) { _, _ in protectedResourceMetadata() }
        routes.get("oauth-authorization-server") { _, _ in authorizationServerMetadata() }
        routes.get("mcp.json") { _, _ in serverDescriptor() }
        return routes
    }

    /// RFC 9728: the resource and the authorization server that issues tokens for it.
    func protectedResourceMetadata() -> Response {
        HTTPReply.json(.object([
            "resource": .string(urls.resource),
            "authorization_servers": .array([.string(urls.issuer)]),
            "scopes_supported": Self.scopeNames,
            "bearer_methods_supported": .array([.string("header")]),
            "resource_name": .string("Vitals"),
        ]))
    }

    /// RFC 8414: the endpoints and what they accept.
    func authorizationServerMetadata() -> Response {
        let issuer = urls.issuer
        return HTTPReply.json(.object([
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + "/authorize"),
            "token_endpoint": .string(issuer + "/token"),
            "registration_endpoint": .string(issuer + "/register"),
            "revocation_endpoint": .string(issuer + "/revoke"),
            "response_types_supported": .array([.string("code")]),
            "grant_types_supported": .array([.string("authorization_code"), .string("refresh_token")]),
            "code_challenge_methods_supported": .array([.string("S256")]),
            "token_endpoint_auth_methods_supported": .array([.string("none")]),
            "revocation_endpoint_auth_methods_supported": .array([.string("none")]),
            "scopes_supported": Self.scopeNames,
            // RFC 9207 §3: every authorization response carries `iss`.
            "authorization_response_iss_parameter_supported": .bool(true),
            // MCP 2026-07-28 client-registration: an https client_id is fetched as its metadata document.
            "client_id_metadata_document_supported": .bool(true),
        ]))
    }

    /// `/.well-known/mcp.json`: the server, its endpoint and both ways to authenticate.
    func serverDescriptor() -> Response {
        HTTPReply.json(.object([
            "name": .string("vitals"),
            "title": .string("Vitals customer-success analytics"),
            "version": .string(VitalsMCPServer.version),
            "description": .string("Health scores, churn risk, adoption, revenue and renewals of an agency's client accounts, as MCP tools."),
            "endpoint": .string(urls.resource),
            "transport": .string("streamable-http"),
            "authentication": .object([
                "oauth2": .object([
                    "authorization_server": .string(urls.issuer),
                    "protected_resource_metadata": .string(urls.protectedResourceMetadata),
                    "scopes": Self.scopeNames,
                ]),
                "api_key": .object(["header": .string("x-api-key")]),
            ]),
        ]))
    }
}
