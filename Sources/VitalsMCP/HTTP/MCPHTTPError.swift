import HTTPTypes
import Hummingbird
import NIOCore
import VitalsJSON
import VitalsProtocol

/// A refusal on the MCP endpoint, before or instead of a JSON-RPC answer:
/// an unknown Host or Origin, a missing or wrong credential, a rate limit,
/// an oversized body, an unknown session. Its body is a JSON-RPC error with
/// no id (what MCP clients parse, and what the spec allows for these
/// statuses) whose message says exactly what is wrong.
struct MCPHTTPError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    var headers: HTTPFields = [:]
    /// A JSON-RPC code for the body (-32600 unless the refusal has a closer one).
    var code = -32600

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.cacheControl] = "no-store"
        let body = JSONRPCReply.error(nil, JSONRPCError(code: code, message: message))
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.utf8())))
    }
}
