import Foundation
import HTTPTypes
import Hummingbird
import VitalsAuth
import VitalsStore

/// Finds the caller's credential on every MCP request — an OAuth access
/// token for this resource (`Authorization: Bearer`) or an API key
/// (`x-api-key`) — and puts it in the context. A missing or refused one is
/// a 401 whose `WWW-Authenticate` points OAuth clients at the protected
/// resource metadata (RFC 9728 §5.1); the session never stands in for it.
struct CredentialMiddleware: RouterMiddleware {
    typealias Context = VitalsRequestContext
    let store: Store
    let urls: ServerURLs

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.credential = try authenticate(request)
        return try await next(request, context)
    }

    /// The scopes a 401 challenge names (MCP 2026-07-28 `basic/authorization`:
    /// what a client should ask for): the read scopes, as the consent page ticks them.
    static let challengeScopes = Scope.reads.map(\.rawValue).joined(separator: " ")

    func authenticate(_ request: Request) throws(MCPHTTPError) -> Credential {
        let metadata = "resource_metadata=\"\(urls.protectedResourceMetadata)\", scope=\"\(Self.challengeScopes)\""
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            do {
                return try store.authenticateAccessToken(token, resource: urls.resource)
            } catch {
                throw MCPHTTPError(status: .unauthorized, message: error.description, headers: [
                    .wwwAuthenticate: "Bearer error=\"invalid_token\", error_description=\"\(error.description)\", \(metadata)",
                ])
            }
        }
        guard let key = request.headers[HTTPField.Name("x-api-key")!], !key.isEmpty else {
            throw MCPHTTPError(status: .unauthorized,
                               message: "missing credentials: connect with OAuth (Authorization: Bearer) or send an API key of your agency in x-api-key (vitals token create)",
                               headers: [.wwwAuthenticate: "Bearer \(metadata)"])
        }
        do {
            return try store.authenticate(key: key)
        } catch {
            // A 401 always names a scheme (RFC 9110 §15.5.2): OAuth is the other way in.
            throw MCPHTTPError(status: .unauthorized, message: error.description, headers: [.wwwAuthenticate: "Bearer \(metadata)"])
        }
    }
}

extension Credential {
    /// Whether the credential is an OAuth access token (its session key is the grant).
    var isOAuthGrant: Bool { keyID.hasPrefix("grant:") }
}

/// Per-agency token buckets on the MCP endpoint: over the limit is 429 with
/// `Retry-After` (RFC 9110 §10.2.3) in whole seconds.
struct AgencyRateLimitMiddleware: RouterMiddleware {
    typealias Context = VitalsRequestContext
    let limiter: RateLimiter<Int>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let credential = context.credential, let retry = limiter.take(credential.agencyKey) {
            throw MCPHTTPError(status: .tooManyRequests, message: "rate limit exceeded for agency \(credential.agencyID); retry after \(retry) s",
                               headers: [.retryAfter: String(retry)])
        }
        return try await next(request, context)
    }
}
