import VitalsJSON

/// The MCP protocol versions this server speaks, newest first.
///
/// Two eras (`basic/versioning.mdx` of 2026-07-28): **modern** versions
/// carry version, identity and capabilities in every request's `_meta` and
/// keep no state; **legacy** versions open a session with `initialize`.
public enum MCPVersion {
    /// Stateless: `server/discover`, per-request `_meta`, `resultType`.
    public static let modern = ["2026-07-28"]
    /// Sessions opened by `initialize`; the first is offered when a client asks for one we do not know.
    public static let legacy = ["2025-11-25", "2025-06-18", "2025-03-26"]
    /// Every version, as `UnsupportedProtocolVersionError.data.supported` lists them.
    public static var all: [String] { modern + legacy }

    /// The `_meta` keys of a modern request and result (`basic/index.mdx`, "_meta").
    public enum MetaKey {
        public static let protocolVersion = "io.modelcontextprotocol/protocolVersion"
        public static let clientCapabilities = "io.modelcontextprotocol/clientCapabilities"
        public static let clientInfo = "io.modelcontextprotocol/clientInfo"
        public static let logLevel = "io.modelcontextprotocol/logLevel"
        public static let serverInfo = "io.modelcontextprotocol/serverInfo"
    }
}

/// The errors MCP defines besides JSON-RPC's own (`basic/index.mdx`, "Error Codes").
extension JSONRPCError {
    /// -32020: HTTP headers disagree with the body, or a required one is missing.
    public static func headerMismatch(_ message: String) -> JSONRPCError {
        .init(code: -32020, message: "Header mismatch: " + message)
    }

    /// -32021: the request needs a client capability the client did not declare.
    public static func missingClientCapability(_ message: String, required: JSONValue) -> JSONRPCError {
        .init(code: -32021, message: message, data: .object(["requiredCapabilities": required]))
    }

    /// -32022: a protocol version this server does not speak; `data.supported` lists those it does.
    public static func unsupportedVersion(_ requested: String?) -> JSONRPCError {
        var data: [String: JSONValue] = ["supported": .array(MCPVersion.all.map(JSONValue.string))]
        if let requested { data["requested"] = .string(requested) }
        let asked = requested.map { " \"\($0)\"" } ?? ""
        return .init(code: -32022, message: "Unsupported protocol version\(asked): this server speaks " + MCPVersion.all.joined(separator: ", "),
                     data: .object(data))
    }

    /// Whether this error is one MCP's modern era defines (a 2026 client
    /// falls back to `initialize` on anything else).
    public var isModernProtocolError: Bool { (-32022 ... -32020).contains(code) }
}
