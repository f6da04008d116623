import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitalsJSON
import VitalsProtocol
import VitalsStore
import VitalsTools

/// The MCP endpoint: one POST route for both eras, DELETE for legacy
/// sessions, 405 for GET (this server sends nothing unprompted: the
/// 2025-11-25 transport lets a server without a standalone stream answer
/// GET with 405, and 2026-07-28 has no GET at all).
///
/// Every request is answered exactly once, with `application/json`:
/// - a modern request (its `_meta` names a protocol version) has its
///   `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers checked
///   against the body (-32020, -32022: 400) and is served statelessly,
///   whatever `Mcp-Session-Id` it carries;
/// - `initialize` opens a legacy session and returns its `Mcp-Session-Id`;
/// - any other request is served in the legacy session it names (unknown:
///   404), or, naming none, refused with a message that says both ways in;
/// - notifications and client responses get 202.
struct MCPRoutes: Sendable {
    let urls: ServerURLs
    let live: LiveContext
    let sessions: MCPSessionTable
    let audit: AuditLog
    let toolsets: Set<String>?
    let readOnly: Bool
    /// Bodies beyond this are refused (413).
    var maxBody = 1 << 20

    /// The routes behind the credential check and, when set, the per-agency rate limit.
    func collection(credentials: CredentialMiddleware, rateLimit: AgencyRateLimitMiddleware?) -> RouteCollection<VitalsRequestContext> {
        let routes = RouteCollection(context: VitalsRequestContext.self)
        routes.add(middleware: credentials)
        if let rateLimit { routes.add(middleware: rateLimit) }
        routes.post { request, context -> Response in try await self.post(request, context: context) }
        routes.delete { request, context -> Response in try self.delete(request, context: context) }
        routes.get { _, _ -> Response in try self.get() }
        return routes
    }

    func service(_ credential: Credential) -> VitalsMCPServer {
        VitalsMCPServer(live: live, credential: credential, toolsets: toolsets, readOnly: readOnly, audit: audit)
    }

    func post(_ request: Request, context: VitalsRequestContext) async throws -> Response {
        guard let credential = context.credential else { throw MCPHTTPError(status: .unauthorized, message: "missing credentials") }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBody)
        } catch {
            throw MCPHTTPError(status: .contentTooLarge, message: "request body over \(maxBody >> 20) MiB: send one JSON-RPC message per request")
        }
        let core = MCPServerCore(service: service(credential))
        let message: JSONRPCMessage
        switch JSONRPCMessage.parse(Array(body.readableBytesView)) {
        case let .failure(refusal):
            return Self.reply(MCPServerCore<VitalsMCPServer>.answer(refusal))
        case let .success(parsed):
            message = parsed
        }
        guard case let .request(_, method, params) = message else { return Response(status: .accepted) }
        try stepUp(method, params: params, credential: credential)

        let header = { (name: String) in request.headers[HTTPField.Name(name)!] }
        let sessionID = header("Mcp-Session-Id")
        var session: MCPClient?
        if MCPServerCore<VitalsMCPServer>.isModernRequest(method: method, params: params) {
            // A modern request carries no session; its headers must agree with its body.
            do throws(JSONRPCError) {
                try HTTPRequestMetadata.validate(method, params: params, header: header)
            } catch {
                return Self.reply(.refusal(message.id, error, modern: true, status: 400))
            }
        } else if method != "initialize", let sessionID {
            guard let client = sessions.touch(sessionID, keyID: credential.sessionOwner) else {
                // Another key's session answers exactly as an unknown one.
                throw MCPHTTPError(status: .notFound, message: "session \(sessionID) is unknown or has ended: initialize a new one")
            }
            if let version = header("MCP-Protocol-Version"), !MCPVersion.legacy.contains(version) {
                let error = JSONRPCError.unsupportedVersion(version)
                return Self.reply(.refusal(message.id, error, modern: false, status: 400))
            }
            session = client
        }
        let answer = await core.answer(message, session: session)
        var response = Self.reply(answer)
        if let opened = answer.opened {
            response.headers[HTTPField.Name("Mcp-Session-Id")!] = sessions.open(opened, keyID: credential.sessionOwner)
        }
        return response
    }

    /// An OAuth client calling a tool its token was not granted the scope
    /// of is told so at the HTTP level, so that it can ask the user for
    /// more (MCP 2026-07-28 `basic/authorization`, "insufficient_scope";
    /// RFC 6750 §3.1): 403 with a challenge naming every scope the call
    /// needs — those granted plus the missing one, since a client
    /// re-authorizes with what the challenge names. An API key cannot step
    /// up: its caller gets a tool error that names the scope instead.
    func stepUp(_ method: String, params: [String: JSONValue], credential: Credential) throws(MCPHTTPError) {
        guard credential.isOAuthGrant, method == "tools/call", case let .string(name)? = params["name"],
              let tool = ToolCatalog.tools.first(where: { $0.name == name }), !credential.scopes.contains(tool.scope) else { return }
        let needed = (credential.scopes.map(\.rawValue) + [tool.scope.rawValue]).sorted().joined(separator: " ")
        let description = "\(name) needs \(tool.scope.rawValue), which this connection was not granted"
        throw MCPHTTPError(status: .forbidden, message: description + "; connect again and approve it", headers: [
            .wwwAuthenticate: "Bearer error=\"insufficient_scope\", scope=\"\(needed)\", "
                + "resource_metadata=\"\(urls.protectedResourceMetadata)\", error_description=\"\(description)\"",
        ])
    }

    func get() throws -> Response {
        throw MCPHTTPError(status: .methodNotAllowed, message: "this endpoint sends no stream: POST each JSON-RPC message (GET is not served)",
                           headers: [.allow: "POST, DELETE"])
    }

    func delete(_ request: Request, context: VitalsRequestContext) throws -> Response {
        guard let credential = context.credential else { throw MCPHTTPError(status: .unauthorized, message: "missing credentials") }
        guard let sessionID = request.headers[HTTPField.Name("Mcp-Session-Id")!] else {
            throw MCPHTTPError(status: .badRequest, message: "DELETE ends a session: send its Mcp-Session-Id header")
        }
        guard sessions.close(sessionID, keyID: credential.sessionOwner) else {
            throw MCPHTTPError(status: .notFound, message: "session \(sessionID) is unknown or has ended")
        }
        return Response(status: .noContent)
    }

    /// The HTTP response of an answer: its JSON-RPC message with its status, or 202 when there is none.
    static func reply(_ answer: MCPAnswer) -> Response {
        guard let message = answer.message else {
            return Response(status: answer.httpStatus == 202 ? .accepted : HTTPResponse.Status(code: answer.httpStatus))
        }
        return Response(status: HTTPResponse.Status(code: answer.httpStatus),
                        headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.utf8())))
    }
}
