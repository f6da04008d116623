import Foundation
import VitalsJSON

/// The Streamable HTTP binding's request headers (2026-07-28
/// `basic/transports/streamable-http.mdx`, "Request Metadata" and "Server
/// Validation"): `MCP-Protocol-Version`, `Mcp-Method` and, for `tools/call`,
/// `resources/read` and `prompts/get`, `Mcp-Name` mirror the body, and a
/// server that reads the body must refuse any disagreement with -32020
/// (HTTP 400) so that a gateway routing on headers and the server acting on
/// the body cannot be told different things.
public enum HTTPRequestMetadata {
    /// The methods whose `params.name` (or `params.uri`) goes in `Mcp-Name`.
    static let namedMethods: [String: String] = ["tools/call": "name", "prompts/get": "name", "resources/read": "uri"]

    /// Checks a modern request's headers against its body. `header` looks a
    /// header up by name, case-insensitively.
    public static func validate(_ method: String, params: [String: JSONValue], header: (String) -> String?) throws(JSONRPCError) {
        guard let version = header("MCP-Protocol-Version") else {
            throw .headerMismatch("the MCP-Protocol-Version header is required on every POST and must equal _meta[\"\(MCPVersion.MetaKey.protocolVersion)\"]")
        }
        guard MCPVersion.all.contains(version) else { throw .unsupportedVersion(version) }
        if case let .object(meta)? = params["_meta"], case let .string(bodyVersion)? = meta[MCPVersion.MetaKey.protocolVersion], bodyVersion != version {
            throw .headerMismatch("MCP-Protocol-Version header value '\(version)' does not match body value '\(bodyVersion)'")
        }
        guard let methodHeader = header("Mcp-Method") else {
            throw .headerMismatch("the Mcp-Method header is required and must equal the body's method ('\(method)')")
        }
        guard methodHeader == method else {
            throw .headerMismatch("Mcp-Method header value '\(methodHeader)' does not match body value '\(method)'")
        }
        guard let field = namedMethods[method], case let .string(bodyName)? = params[field] else { return }
        guard let rawName = header("Mcp-Name") else {
            throw .headerMismatch("the Mcp-Name header is required for \(method) and must equal params.\(field) ('\(bodyName)')")
        }
        guard let name = decode(rawName) else {
            throw .headerMismatch("Mcp-Name header value '\(rawName)' is not valid =?base64?…?= (RFC 4648 base64 of UTF-8)")
        }
        guard name == bodyName else {
            throw .headerMismatch("Mcp-Name header value '\(name)' does not match body value '\(bodyName)'")
        }
    }

    /// A header value, decoded from the `=?base64?…?=` sentinel form when
    /// it is in it; nil when that form holds no base64 UTF-8.
    public static func decode(_ value: String) -> String? {
        guard value.hasPrefix("=?base64?"), value.hasSuffix("?="), value.count >= 11 else { return value }
        let encoded = value.dropFirst("=?base64?".count).dropLast(2)
        guard let data = Data(base64Encoded: String(encoded)) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
