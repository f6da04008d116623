import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VitalsAuth
import VitalsJSON
import VitalsStore
import VitalsTools

/// How `vitals serve --http` listens.
public struct MCPHTTPConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The MCP endpoint.
    public var endpoint = "/api/mcp"
    /// Browser origins allowed besides the loopback ones (DNS-rebinding protection).
    public var allowedOrigins: [String] = []
    /// Legacy sessions idle this long are forgotten.
    public var sessionTimeout: TimeInterval = 3600
    /// Keep-alive connections with no request for this long are closed.
    public var idleTimeout: TimeInterval = 60
    public var toolsets: Set<String>?
    public var readOnly = false
    /// The address clients reach the server at (the OAuth issuer; the MCP
    /// resource is this plus `endpoint`). Default: `http://HOST:PORT`.
    public var publicURL: String?
    /// Per agency, on the MCP endpoint (nil: no limit).
    public var rateLimit: RateLimit? = RateLimit(rate: 20, burst: 40)
    /// Per client IP, on registration, authorization, token, revocation and the pages' form posts.
    public var authRateLimit: RateLimit? = RateLimit(rate: 10, burst: 30)
    public var lifetimes = OAuthLifetimes()

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// Streamable HTTP at `/api/mcp` on Hummingbird 2, both MCP eras on one
/// endpoint (``MCPRoutes``), beside the REST twin (``RESTRoutes``), the
/// dashboard (``DashboardRoutes``), and the OAuth authorization server and
/// its pages, each a route collection. Every route sits behind
/// ``HostOriginMiddleware``; the MCP routes also behind ``CredentialMiddleware``
/// and the per-agency rate limit; the OAuth routes and the pages' form posts
/// behind the per-IP limit (``ClientIPRateLimitMiddleware``).
public struct MCPHTTPServer: Sendable {
    public let store: Store
    public let live: LiveContext
    public let configuration: MCPHTTPConfiguration
    let sessions = MCPSessionTable()
    let logger: Logger
    let audit: AuditLog
    let urls: ServerURLs
    let authorizationServer: AuthorizationServer

    public init(store: Store, live: LiveContext, configuration: MCPHTTPConfiguration) {
        self.store = store
        self.live = live
        self.configuration = configuration
        logger = Logger(label: "vitals.http")
        audit = AuditLog(store: store)
        urls = ServerURLs(publicURL: configuration.publicURL, host: configuration.host, port: configuration.port, endpoint: configuration.endpoint)
        authorizationServer = AuthorizationServer(store: store, urls: urls, lifetimes: configuration.lifetimes, ipLimit: configuration.authRateLimit)
    }

    /// The routes: the MCP endpoint, `/healthz`, discovery, OAuth and the
    /// pages. The OAuth routes and the pages' form posts share one per-IP
    /// limit, kept by the authorization server: a client guessing tokens is
    /// counted across all of them.
    func makeRouter() -> Router<VitalsRequestContext> {
        let router = Router(context: VitalsRequestContext.self)
        router.add(middleware: HostOriginMiddleware(urls: urls, allowedOrigins: configuration.allowedOrigins))
        let mcp = MCPRoutes(urls: urls, live: live, sessions: sessions, audit: audit, toolsets: configuration.toolsets, readOnly: configuration.readOnly)
        let routes = mcp.collection(credentials: CredentialMiddleware(store: store, urls: urls),
                                    rateLimit: configuration.rateLimit.map { AgencyRateLimitMiddleware(limiter: RateLimiter($0)) })
        router.addRoutes(routes, atPath: RouterPath(stringLiteral: configuration.endpoint))
        let rest = RESTRoutes(mcp: mcp)
        router.addRoutes(rest.tools(credentials: CredentialMiddleware(store: store, urls: urls),
                                    rateLimit: configuration.rateLimit.map { AgencyRateLimitMiddleware(limiter: RateLimiter($0)) }),
                         atPath: "/api/v1/tools")
        router.addRoutes(rest.document(), atPath: "/api/v1")
        router.get("/healthz") { _, _ in "ok\n" }
        let ipLimit = authorizationServer.ipLimiter.map { ClientIPRateLimitMiddleware(limiter: $0) }
        router.addRoutes(DiscoveryRoutes(urls: urls).collection(), atPath: "/.well-known")
        router.addRoutes(OAuthRoutes(server: authorizationServer).collection(rateLimit: ipLimit))
        router.addRoutes(ConnectedAppsPage(server: authorizationServer).collection(rateLimit: ipLimit),
                         atPath: RouterPath(stringLiteral: ConnectedAppsPage.path))
        router.addRoutes(DashboardRoutes(server: authorizationServer, mcp: mcp).collection(rateLimit: ipLimit),
                         atPath: RouterPath(stringLiteral: DashboardRoutes.path))
        return router
    }

    /// The application: the router on the configured address. Idle
    /// keep-alive connections close after `idleTimeout`, so no client can
    /// hold a socket (or a graceful shutdown) forever, and a request's
    /// header block is capped (16 KiB a field, 32 KiB in all, 100 fields;
    /// beyond that the connection is refused before any handler runs).
    func makeApplication(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: .http1(configuration: .init(
                idleTimeout: .seconds(Int64(configuration.idleTimeout)),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 << 10, maxHeaderListSize: 32 << 10, maxHeaderFieldCount: 100))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vitals"),
            onServerRunning: { [urls] channel in
                let port = channel.localAddress?.port ?? configuration.port
                urls.bound(port: port)
                await onListening(port)
            },
            logger: logger)
    }

    /// Serves until the process is stopped (SIGTERM or SIGINT: in-flight
    /// requests finish, then the server exits).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let sweeper = Task { [sessions, configuration] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(60))
                sessions.removeIdle(longerThan: configuration.sessionTimeout)
            }
        }
        audit.start()
        defer {
            sweeper.cancel()
            audit.stop()
        }
        try await makeApplication(onListening: onListening).runService()
    }
}
