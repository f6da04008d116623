import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore
import ServiceLifecycle
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
    /// Sessions idle this long are closed.
    public var sessionTimeout: TimeInterval = 3600
    /// After this many requests a session is compacted: swift-sdk's
    /// transport keeps every SSE event of a session (for Last-Event-ID
    /// resumption), so a long session would grow without bound.
    public var compactEvery = 100
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

/// Streamable HTTP at `/api/mcp` on Hummingbird 2: sessions with
/// `Mcp-Session-Id` (created by an `initialize` POST, ended by DELETE, swept
/// when idle), SSE responses, Origin/Host validation against DNS rebinding,
/// the `MCP-Protocol-Version` header (swift-sdk's validators), and on every
/// request a credential: an OAuth access token (`Authorization: Bearer`,
/// from the built-in ``AuthorizationServer``) or an API key (`x-api-key`).
/// Each agency's requests are rate-limited.
public struct MCPHTTPServer: Sendable {
    public let store: Store
    public let live: LiveContext
    public let configuration: MCPHTTPConfiguration
    let sessions = MCPSessionTable()
    let logger: Logger
    let audit: AuditLog
    let urls: ServerURLs
    let authorizationServer: AuthorizationServer
    let agencyLimiter: RateLimiter<Int>?

    public init(store: Store, live: LiveContext, configuration: MCPHTTPConfiguration) {
        self.store = store
        self.live = live
        self.configuration = configuration
        logger = Logger(label: "vitals.http")
        audit = AuditLog(store: store)
        urls = ServerURLs(publicURL: configuration.publicURL, host: configuration.host, port: configuration.port, endpoint: configuration.endpoint)
        authorizationServer = AuthorizationServer(store: store, urls: urls, lifetimes: configuration.lifetimes, ipLimit: configuration.authRateLimit)
        agencyLimiter = configuration.rateLimit.map { RateLimiter($0) }
    }

    /// Serves until the process is stopped.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router(context: VitalsRequestContext.self)
        let endpoint = RouterPath(stringLiteral: configuration.endpoint)
        for method in [HTTPTypes.HTTPRequest.Method.post, .get, .delete] {
            router.on(endpoint, method: method) { request, _ in await self.handle(request) }
        }
        router.get("/healthz") { _, _ in "ok\n" }
        authorizationServer.addRoutes(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vitals"),
            services: [SessionCloser(sessions: sessions)],
            onServerRunning: { [urls] channel in
                let port = channel.localAddress?.port ?? configuration.port
                urls.bound(port: port)
                await onListening(port)
            },
            logger: logger)
        let sweeper = Task { await sweepIdleSessions() }
        audit.start()
        defer {
            sweeper.cancel()
            audit.stop()
        }
        try await app.runService()
    }

    // MARK: - Requests

    func handle(_ request: Request) async -> Response {
        // Every request carries a credential; the session does not replace it.
        let credential: Credential
        switch authenticate(request) {
        case let .success(found): credential = found
        case let .failure(refusal): return refusal.response
        }
        if let retry = agencyLimiter?.take(credential.agencyKey) {
            return HTTPReply.tooManyRequests(retryAfter: retry, "agency \(credential.agencyID)")
        }
        var body: Data?
        do {
            let buffer = try await request.body.collect(upTo: 1 << 20)
            if buffer.readableBytes > 0 { body = Data(buffer.readableBytesView) }
        } catch {
            return Self.plainError(413, "request body over 1 MiB")
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let mcpRequest = MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body, path: request.uri.path)

        if let sessionID = mcpRequest.header(HTTPHeaderName.sessionID) {
            // Another key's session answers exactly as an unknown one.
            guard let session = await sessions.touch(sessionID), session.keyID == credential.keyID else {
                return Self.response(.error(statusCode: 404, .invalidRequest("Not Found: Session not found or expired")))
            }
            let response = await session.transport.handleRequest(mcpRequest)
            if request.method == .delete, response.statusCode == 200, let ended = await sessions.remove(sessionID) {
                await ended.transport.disconnect()
            } else if await sessions.countRequest(sessionID, compactEvery: configuration.compactEvery) {
                Task { await compact(sessionID, credential: credential) }
            }
            return Self.response(response)
        }
        if request.method == .post, let body, Self.isInitialize(body) {
            return Self.response(await openSession(mcpRequest, credential: credential))
        }
        return Self.response(.error(statusCode: 400, .invalidRequest("Bad Request: Missing \(HTTPHeaderName.sessionID) header")))
    }

    /// A refused credential, answered 401 with a `WWW-Authenticate`
    /// challenge that points OAuth clients at the resource metadata (RFC 9728).
    struct Refusal: Error {
        let response: Response
    }

    /// The caller's credential: a bearer access token for this resource, or an API key.
    func authenticate(_ request: Request) -> Result<Credential, Refusal> {
        let metadata = "resource_metadata=\"\(urls.protectedResourceMetadata)\""
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            do {
                return .success(try store.authenticateAccessToken(token, resource: urls.resource))
            } catch {
                let challenge = "Bearer error=\"invalid_token\", error_description=\"\(error.description)\", \(metadata)"
                return .failure(Refusal(response: Self.plainError(401, error.description, headers: [.wwwAuthenticate: challenge])))
            }
        }
        guard let key = request.headers[HTTPField.Name("x-api-key")!], !key.isEmpty else {
            return .failure(Refusal(response: Self.plainError(401,
                "missing credentials: connect with OAuth (Authorization: Bearer) or send an API key of your agency in x-api-key (vitals token create)",
                headers: [.wwwAuthenticate: "Bearer \(metadata)"])))
        }
        do {
            return .success(try store.authenticate(key: key))
        } catch {
            // A 401 always names a scheme (RFC 9110 §15.5.2): OAuth is the other way in.
            return .failure(Refusal(response: Self.plainError(401, error.description, headers: [.wwwAuthenticate: "Bearer \(metadata)"])))
        }
    }

    /// Whether a POST body is an `initialize` request (it opens a session).
    static func isInitialize(_ body: Data) -> Bool {
        guard let message = try? JSONValue.parse(String(decoding: body, as: UTF8.self)) else { return false }
        return message["method"] == .string("initialize") && message["id"] != nil
    }

    func openSession(_ request: MCP.HTTPRequest, credential: Credential) async -> MCP.HTTPResponse {
        let sessionID = UUID().uuidString
        let (vitals, transport) = makeSession(sessionID, credential: credential)
        let server: Server
        do {
            server = try await vitals.start(on: transport)
        } catch {
            await transport.disconnect()
            return .error(statusCode: 500, .internalError("could not start the session: \(error)"))
        }
        await sessions.insert(sessionID, .init(server: server, transport: transport, keyID: credential.keyID, lastAccess: Date(),
                                               initialize: request))
        let response = await transport.handleRequest(request)
        if case .error = response, let failed = await sessions.remove(sessionID) {
            await failed.transport.disconnect()
        }
        return response
    }

    /// Replaces a session's server and transport with fresh ones that
    /// replay its `initialize` (same session id, same client), dropping the
    /// stored SSE events. The old transport is closed a little later, so
    /// requests in flight on it still complete; resuming a stream from before
    /// the compaction (Last-Event-ID) is then no longer possible.
    func compact(_ sessionID: String, credential: Credential) async {
        guard let current = await sessions.session(sessionID) else { return }
        let (vitals, transport) = makeSession(sessionID, credential: credential)
        let server: Server
        do {
            server = try await vitals.start(on: transport)
        } catch {
            await transport.disconnect()
            return
        }
        _ = await transport.handleRequest(current.initialize)
        var headers = current.initialize.headers
        headers[HTTPHeaderName.sessionID] = sessionID
        let initialized = MCP.HTTPRequest(method: "POST", headers: headers,
                                          body: Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8),
                                          path: current.initialize.path)
        _ = await transport.handleRequest(initialized)
        guard let old = await sessions.replace(sessionID, server: server, transport: transport) else {
            await transport.disconnect()
            return
        }
        await sessions.retire(old)
        Task {
            try? await Task.sleep(for: .seconds(1))
            if let old = await sessions.takeRetired(old) { await old.disconnect() }
        }
    }

    /// The tools and a transport for one session id.
    func makeSession(_ sessionID: String, credential: Credential) -> (VitalsMCPServer, StatefulHTTPServerTransport) {
        let origins = OriginValidator.localhost(port: urls.port)
        let validators: [any HTTPRequestValidator] = [
            configuration.allowedOrigins.isEmpty ? origins
                : OriginValidator(allowedHosts: origins.allowedHosts + configuration.allowedOrigins.map(Self.host(ofOrigin:)),
                                  allowedOrigins: origins.allowedOrigins + configuration.allowedOrigins),
            AcceptHeaderValidator(mode: .sseRequired),
            ContentTypeValidator(),
            ProtocolVersionValidator(),
            SessionValidator(),
        ]
        let transport = StatefulHTTPServerTransport(
            sessionIDGenerator: FixedSessionID(id: sessionID),
            validationPipeline: StandardValidationPipeline(validators: validators),
            logger: logger)
        let vitals = VitalsMCPServer(live: live, credential: credential, toolsets: configuration.toolsets, readOnly: configuration.readOnly,
                                     audit: audit)
        return (vitals, transport)
    }

    func sweepIdleSessions() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(60))
            for session in await sessions.removeIdle(longerThan: configuration.sessionTimeout) {
                await session.transport.disconnect()
            }
        }
    }

    /// On graceful shutdown (SIGTERM), closes every session's transport so
    /// that nothing keeps the server from stopping.
    struct SessionCloser: Service {
        let sessions: MCPSessionTable

        func run() async throws {
            try? await gracefulShutdown()
            for transport in await sessions.drainAll() { await transport.disconnect() }
        }
    }

    // MARK: - Conversions

    struct FixedSessionID: SessionIDGenerator {
        let id: String
        func generateSessionID() -> String { id }
    }

    /// `https://app.example.com:8443` → `app.example.com:8443`.
    static func host(ofOrigin origin: String) -> String {
        origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? origin
    }

    static func response(_ response: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        let status = HTTPResponse.Status(code: response.statusCode)
        if case let .stream(stream, _) = response {
            return Response(status: status, headers: fields, body: ResponseBody { writer in
                for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            })
        }
        let body = response.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
        return Response(status: status, headers: fields, body: body)
    }

    /// An error before any session exists: JSON with the reason.
    static func plainError(_ code: Int, _ message: String, headers: HTTPFields = [:]) -> Response {
        HTTPReply.json(.object(["error": .string(message)]), status: .init(code: code), headers: headers)
    }
}
