import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitalsJSON
import VitalsProtocol
import VitalsStore
import VitalsTools

/// The REST twin of the MCP tools, for engineers and integration services
/// that know which endpoint they need (as Customermates ships one):
/// `POST /api/v1/tools/{name}` takes the tool's arguments as a JSON object
/// and answers its structured result, through the same handler, credentials
/// (x-api-key or an OAuth bearer token), scopes, tenancy, per-agency rate
/// limit and audit log as the MCP endpoint. Refusals are RFC 9457 problem
/// details (`application/problem+json`). `GET /api/v1/openapi.json` is the
/// OpenAPI 3.1 document generated from the tool definitions (``OpenAPI``).
struct RESTRoutes: Sendable {
    /// The MCP endpoint's routes: their service (tools, toolsets, read-only, audit) and body limit serve here too.
    let mcp: MCPRoutes

    /// The tool routes, behind the credential check and the rate limit; their refusals (401, 429 too) as problem details.
    func tools(credentials: CredentialMiddleware, rateLimit: AgencyRateLimitMiddleware?) -> RouteCollection<VitalsRequestContext> {
        let routes = RouteCollection(context: VitalsRequestContext.self)
        routes.add(middleware: ProblemDetailsMiddleware())
        routes.add(middleware: credentials)
        if let rateLimit { routes.add(middleware: rateLimit) }
        routes.post(":name") { request, context -> Response in try await self.call(request, context: context) }
        return routes
    }

    /// The OpenAPI document: public, like the MCP discovery documents.
    func document() -> RouteCollection<VitalsRequestContext> {
        let routes = RouteCollection(context: VitalsRequestContext.self)
        let urls = mcp.urls
        routes.get("openapi.json") { _, _ -> Response in
            // Made per request: the server's URL is known once it listens.
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPI.document(serverURL: urls.issuer).text(pretty: true))))
        }
        return routes
    }

    func call(_ request: Request, context: VitalsRequestContext) async throws -> Response {
        guard let credential = context.credential else { throw ProblemDetails(status: .unauthorized, detail: "missing credentials") }
        let name = context.parameters.get("name") ?? ""
        let server = mcp.service(credential)
        guard let scope = ReadTools.named(name)?.scope ?? WriteTools.named(name)?.scope else {
            throw ProblemDetails(status: .notFound, detail: "unknown tool \(name); GET /api/v1/openapi.json lists the tools")
        }
        guard credential.scopes.contains(scope) else {
            throw ProblemDetails(status: .forbidden, detail: "missing scope \(scope.rawValue): this credential was not granted it",
                                 type: "insufficient_scope")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: mcp.maxBody)
        } catch {
            throw ProblemDetails(status: .contentTooLarge, detail: "request body over \(mcp.maxBody >> 20) MiB")
        }
        let arguments: JSONValue
        if body.readableBytes == 0 {
            arguments = .object([:])
        } else {
            do {
                arguments = try JSONValue.parse(bytes: Array(body.readableBytesView))
            } catch {
                throw ProblemDetails(status: .badRequest, detail: "the body is not JSON (\(error)): send the tool's arguments as a JSON object, e.g. {\"days\": 30}")
            }
        }
        let result = server.answer(name, arguments: arguments)
        guard !result.isError, let structured = result.structured else {
            // The message says what and where ("invalid days: …", "account acc_9 is not tracked by this agency — …").
            let conflict = result.text.contains("was first used for")
            throw ProblemDetails(status: conflict ? .conflict : .badRequest, detail: result.text)
        }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: structured.text())))
    }
}

/// A refusal as RFC 9457 problem details: `type`, `title` (the status's
/// reason), `status`, `detail` (what is wrong and what to do).
struct ProblemDetails: HTTPResponseError {
    let status: HTTPResponse.Status
    let detail: String
    var type = "about:blank"
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        fields[.cacheControl] = "no-store"
        let body: JSONValue = ["type": .string(type), "title": .string(status.reasonPhrase), "status": .int(status.code),
                               "detail": .string(detail)]
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body.text())))
    }
}

/// Turns the shared middlewares' refusals (credentials: 401 with its
/// WWW-Authenticate challenge; rate limit: 429 with Retry-After) into
/// problem details on the REST paths.
struct ProblemDetailsMiddleware: RouterMiddleware {
    typealias Context = VitalsRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let refusal as MCPHTTPError {
            throw ProblemDetails(status: refusal.status, detail: refusal.message, headers: refusal.headers)
        }
    }
}
