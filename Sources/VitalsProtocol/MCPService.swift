import VitalsJSON

/// Who is asking: the protocol version, the capabilities and the identity a
/// client declared, in `initialize` (legacy, kept for the session) or in the
/// request's own `_meta` (modern). Capabilities are kept as the JSON the
/// client sent — `experimental` and `extensions` maps included — never
/// decoded into fixed types, so that what ChatGPT or Codex add cannot break
/// a handshake.
public struct MCPClient: Sendable, Equatable {
    public var protocolVersion: String
    public var capabilities: [String: JSONValue]
    public var info: JSONValue?

    public init(protocolVersion: String, capabilities: [String: JSONValue] = [:], info: JSONValue? = nil) {
        self.protocolVersion = protocolVersion
        self.capabilities = capabilities
        self.info = info
    }

    /// Whether the client speaks a stateless (2026-07-28 or later) version.
    public var isModern: Bool { MCPVersion.modern.contains(protocolVersion) }

    /// Whether the client declared `capabilities.extensions[name]`.
    public func declaresExtension(_ name: String) -> Bool {
        if case let .object(extensions)? = capabilities["extensions"], extensions[name] != nil { return true }
        return false
    }
}

/// What a tool call answers: the `CallToolResult` fields (`content` is the
/// text rendering, `structuredContent` the JSON, `isError` a tool error the
/// model should read and act on).
public struct MCPToolResult: Sendable, Equatable {
    public var text: String
    public var structured: JSONValue?
    public var isError: Bool

    public init(text: String, structured: JSONValue?, isError: Bool) {
        self.text = text
        self.structured = structured
        self.isError = isError
    }

    /// Structured content as JSON text written once, and the text content made from the same bytes.
    public init(structured: JSONValue, isError: Bool = false) {
        let once = structured.encodedOnce
        text = once.string
        self.structured = .encoded(once)
        self.isError = isError
    }

    public var json: JSONValue {
        var result: [String: JSONValue] = [
            "content": .array([.object(["type": .string("text"), "text": .string(text)])]),
            "isError": .bool(isError),
        ]
        if let structured { result["structuredContent"] = structured }
        return .object(result)
    }
}

/// The server's name and version, as `serverInfo` names them.
public struct MCPImplementation: Sendable, Equatable {
    public var name: String
    public var title: String?
    public var version: String

    public init(name: String, title: String? = nil, version: String) {
        self.name = name
        self.title = title
        self.version = version
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["name": .string(name), "version": .string(version)]
        if let title { object["title"] = .string(title) }
        return .object(object)
    }
}

/// What an application serves over MCP: tools, prompts and resources for
/// one caller. The protocol core (``MCPServerCore``) does JSON-RPC, versions
/// and result envelopes; a service only answers.
public protocol MCPService: Sendable {
    var implementation: MCPImplementation { get }
    /// Shown to the model on `initialize` and `server/discover`.
    var instructions: String? { get }
    /// The extensions this server supports, by identifier, with their
    /// settings (`{}` for none): advertised in `capabilities.extensions` of
    /// `initialize` and `server/discover` (2026-07-28
    /// `basic/versioning.mdx`, "Extension Negotiation"). What a client gets
    /// of an extension still depends on what it declared.
    var extensions: [String: JSONValue] { get }

    /// The tool definitions this caller may use, in a fixed order.
    func tools(for client: MCPClient) -> [JSONValue]
    /// Whether the tool list depends on the caller — its credential or the
    /// capabilities it declared (then it is cached `private`).
    var toolsDependOnCaller: Bool { get }
    /// Runs a tool. A tool that does not exist throws -32602 (MCP's "Unknown tool");
    /// a call that cannot be answered returns `isError` with what to do next.
    func callTool(_ name: String, arguments: [String: JSONValue], client: MCPClient) async throws(JSONRPCError) -> MCPToolResult

    func prompts() -> [JSONValue]
    /// A prompt's messages (`GetPromptResult` without the envelope).
    func prompt(_ name: String, arguments: [String: String]) throws(JSONRPCError) -> JSONValue

    func resources(for client: MCPClient) -> [JSONValue]
    func resourceTemplates(for client: MCPClient) -> [JSONValue]
    /// `ReadResourceResult.contents`; an unknown URI throws -32602.
    func readResource(_ uri: String, client: MCPClient) throws(JSONRPCError) -> [JSONValue]
}

extension MCPService {
    public var instructions: String? { nil }
    public var extensions: [String: JSONValue] { [:] }
    public var toolsDependOnCaller: Bool { true }
    public func prompts() -> [JSONValue] { [] }
    public func prompt(_ name: String, arguments: [String: String]) throws(JSONRPCError) -> JSONValue {
        throw .invalidParams("unknown prompt \(name): this server has no prompts")
    }
    public func resources(for client: MCPClient) -> [JSONValue] { [] }
    public func resourceTemplates(for client: MCPClient) -> [JSONValue] { [] }
    public func readResource(_ uri: String, client: MCPClient) throws(JSONRPCError) -> [JSONValue] {
        throw .invalidParams("unknown resource \(uri): resources/list names the resources this server has")
    }
}
