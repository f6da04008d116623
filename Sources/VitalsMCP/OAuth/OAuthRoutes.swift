import Hummingbird

/// The OAuth 2.1 endpoints of ``AuthorizationServer``: `POST /register`
/// (RFC 7591), `GET /authorize` (the consent page) and `POST /authorize`
/// (its form), `POST /token` and `POST /revoke` (RFC 7009). Every one is
/// behind the per-IP limit: all can be called by anyone, and each checks a
/// secret or holds state. A refusal is thrown: ``OAuthHTTPError`` where a
/// client reads JSON, ``PageHTTPError`` where a person reads a page, and
/// ``AuthorizationErrorRedirect`` where the answer goes back to the client.
struct OAuthRoutes: Sendable {
    let server: AuthorizationServer

    func collection(rateLimit: ClientIPRateLimitMiddleware?) -> RouteCollection<VitalsRequestContext> {
        let routes = RouteCollection(context: VitalsRequestContext.self)
        if let rateLimit { routes.add(middleware: rateLimit) }
        routes.post("register") { request, _ in try await register(request) }
        routes.get("authorize") { request, _ in try await authorize(request) }
        routes.post("authorize") { request, _ in try await consent(request) }
        routes.post("token") { request, _ in try await token(request) }
        routes.post("revoke") { request, _ in try await revoke(request) }
        return routes
    }
}
