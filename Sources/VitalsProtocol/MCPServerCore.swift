import VitalsJSON

/// The answer to one incoming message.
public struct MCPAnswer: Sendable {
    /// The JSON-RPC response to send; nil for a notification or a client's response.
    public var message: JSONValue?
    /// The error inside `message`, if it is one (the HTTP layer picks its status from it).
    public var error: JSONRPCError?
    /// Set by a successful `initialize`: the transport opens a legacy
    /// session for this client (stdio: the process; HTTP: an `Mcp-Session-Id`).
    public var opened: MCPClient?
    /// Whether the request was served in the modern (stateless) era.
    public var modern: Bool
    /// The HTTP status this answer goes with on Streamable HTTP: 400 for a
    /// message or `_meta` the server cannot take (a 2026 client reads the
    /// JSON-RPC error in it rather than falling back), 404 for a method a
    /// modern request names that does not exist, 200 otherwise — a tool
    /// error or an unknown tool is an answer, not a transport failure.
    public var httpStatus: Int

    public init(message: JSONValue?, error: JSONRPCError?, opened: MCPClient?, modern: Bool, httpStatus: Int) {
        self.message = message
        self.error = error
        self.opened = opened
        self.modern = modern
        self.httpStatus = httpStatus
    }

    public static let none = MCPAnswer(message: nil, error: nil, opened: nil, modern: false, httpStatus: 202)

    public static func refusal(_ id: RequestID?, _ error: JSONRPCError, modern: Bool, status: Int) -> MCPAnswer {
        MCPAnswer(message: JSONRPCReply.error(id, error), error: error, opened: nil, modern: modern, httpStatus: status)
    }

    static func result(_ id: RequestID, _ result: JSONValue, modern: Bool, opened: MCPClient? = nil) -> MCPAnswer {
        MCPAnswer(message: JSONRPCReply.result(id, result), error: nil, opened: opened, modern: modern, httpStatus: 200)
    }
}

/// MCP's methods for both eras over any transport: the legacy handshake
/// (`initialize`, 2025-11-25 and earlier) and the modern stateless
/// requests (2026-07-28: `server/discover`, per-request `_meta`,
/// `resultType`, caching hints). A transport parses a message
/// (``JSONRPCMessage/parse(_:)``), passes the legacy session's client if it
/// has one, and sends back what this answers.
///
/// How the era is chosen (`basic/versioning.mdx`, "dual-era server"): a
/// request whose `_meta` names a protocol version is modern and served
/// statelessly, whatever session it arrives in; `initialize` opens a legacy
/// session; any other request needs one.
public struct MCPServerCore<Service: MCPService>: Sendable {
    public let service: Service

    /// How long clients may cache each list (`server/utilities/caching.mdx`).
    public var ttl = CacheTTL()

    public struct CacheTTL: Sendable {
        public var discover = 3_600_000
        public var tools = 300_000
        public var prompts = 3_600_000
        public var resources = 60_000
        public init() {}
    }

    public init(service: Service) {
        self.service = service
    }

    /// The RFC 5424 levels `logging/setLevel` takes.
    public static var logLevels: [String] { ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] }

    /// Answers one message. `session` is the client of the legacy session
    /// the message arrived in, if any.
    public func answer(_ message: JSONRPCMessage, session: MCPClient?) async -> MCPAnswer {
        guard case let .request(id, method, params) = message else { return .none }
        if isModern(method: method, params: params, session: session) {
            let client: MCPClient
            do throws(JSONRPCError) {
                client = try Self.modernClient(params)
            } catch {
                return .refusal(id, error, modern: true, status: 400)
            }
            do throws(JSONRPCError) {
                var result = try await answerModern(method, params: params, client: client)
                result["resultType"] = .string("complete")
                result["_meta"] = .object([MCPVersion.MetaKey.serverInfo: service.implementation.json])
                return .result(id, .object(result), modern: true)
            } catch {
                let status = switch error.code {
                case -32601: 404
                case -32022 ... -32020: 400
                default: 200
                }
                return .refusal(id, error, modern: true, status: status)
            }
        }
        if method == "initialize" {
            guard session == nil else {
                return .refusal(id, .invalidRequest("this session is already initialized: send initialize once, at the start"), modern: false, status: 400)
            }
            do throws(JSONRPCError) {
                let (client, result) = try initialize(params)
                return .result(id, result, modern: false, opened: client)
            } catch {
                return .refusal(id, error, modern: false, status: 400)
            }
        }
        guard let session else { return .refusal(id, Self.missingMeta(method), modern: false, status: 400) }
        do throws(JSONRPCError) {
            return .result(id, .object(try await answerLegacy(method, params: params, client: session)), modern: false)
        } catch {
            return .refusal(id, error, modern: false, status: 200)
        }
    }

    /// A refusal for a message that could not be parsed.
    public static func answer(_ refusal: JSONRPCMessage.Refusal) -> MCPAnswer {
        guard refusal.wantsAnswer else {
            return MCPAnswer(message: nil, error: refusal.error, opened: nil, modern: false, httpStatus: 400)
        }
        return .refusal(refusal.id, refusal.error, modern: false, status: 400)
    }

    /// Whether a request is modern by its own body: its `_meta` names a
    /// protocol version, or it is `server/discover` (modern only).
    public static func isModernRequest(method: String, params: [String: JSONValue]) -> Bool {
        if case let .object(meta)? = params["_meta"], meta[MCPVersion.MetaKey.protocolVersion] != nil { return true }
        return method == "server/discover"
    }

    func isModern(method: String, params: [String: JSONValue], session: MCPClient?) -> Bool {
        // Without a session only `initialize` is legacy; anything else is
        // a modern request missing its `_meta`, and is told so.
        Self.isModernRequest(method: method, params: params) || (session == nil && method != "initialize")
    }

    static func missingMeta(_ method: String) -> JSONRPCError {
        .invalidParams("\(method) is missing params._meta[\"\(MCPVersion.MetaKey.protocolVersion)\"]: a \(MCPVersion.modern[0]) request carries "
            + "_meta with protocolVersion and clientCapabilities; a client of an earlier version calls initialize first"
            + " (over HTTP it then sends the Mcp-Session-Id it was given)")
    }

    /// The client a modern request declares in its `_meta` (`basic/index.mdx`, "Per-request protocol fields").
    static func modernClient(_ params: [String: JSONValue]) throws(JSONRPCError) -> MCPClient {
        guard case let .object(meta)? = params["_meta"] else {
            if let other = params["_meta"] { throw .invalidParams("params._meta must be an object, got \(other.kind)") }
            throw missingMeta("this request")
        }
        guard let rawVersion = meta[MCPVersion.MetaKey.protocolVersion] else { throw missingMeta("this request") }
        guard case let .string(version) = rawVersion else {
            throw .invalidParams("_meta[\"\(MCPVersion.MetaKey.protocolVersion)\"] must be a string such as \"\(MCPVersion.modern[0])\", got \(rawVersion.kind)")
        }
        guard MCPVersion.modern.contains(version) else { throw .unsupportedVersion(version) }
        guard case let .object(capabilities)? = meta[MCPVersion.MetaKey.clientCapabilities] else {
            let got = meta[MCPVersion.MetaKey.clientCapabilities].map { ", got \($0.kind)" } ?? ""
            throw .invalidParams("_meta[\"\(MCPVersion.MetaKey.clientCapabilities)\"] is required and must be an object (may be {})\(got)")
        }
        if let level = meta[MCPVersion.MetaKey.logLevel] {
            guard case let .string(name) = level, logLevels.contains(name) else {
                throw .invalidParams("_meta[\"\(MCPVersion.MetaKey.logLevel)\"] must be one of \(logLevels.joined(separator: ", ")), got \(level.text())")
            }
        }
        return MCPClient(protocolVersion: version, capabilities: capabilities, info: meta[MCPVersion.MetaKey.clientInfo])
    }

    // MARK: - Legacy (2025-11-25 and earlier)

    func initialize(_ params: [String: JSONValue]) throws(JSONRPCError) -> (MCPClient, JSONValue) {
        guard case let .string(requested)? = params["protocolVersion"] else {
            let got = params["protocolVersion"].map { ", got \($0.kind)" } ?? ""
            throw .invalidParams("initialize needs params.protocolVersion, a string such as \"\(MCPVersion.legacy[0])\"\(got)")
        }
        var capabilities: [String: JSONValue] = [:]
        switch params["capabilities"] {
        case nil, .null?: break
        case let .object(given)?: capabilities = given
        case let other?: throw .invalidParams("initialize params.capabilities must be an object, got \(other.kind)")
        }
        if let info = params["clientInfo"], case .object = info {} else if let info = params["clientInfo"], info != .null {
            throw .invalidParams("initialize params.clientInfo must be an object with name and version, got \(info.kind)")
        }
        // Version negotiation (2025-11-25 `basic/lifecycle`): the client's
        // version when we speak it, else our latest legacy one.
        let version = MCPVersion.legacy.contains(requested) ? requested : MCPVersion.legacy[0]
        let client = MCPClient(protocolVersion: version, capabilities: capabilities, info: params["clientInfo"])
        var serverCapabilities: [String: JSONValue] = [
            "tools": .object(["listChanged": .bool(false)]),
            "prompts": .object(["listChanged": .bool(false)]),
            "resources": .object(["subscribe": .bool(false), "listChanged": .bool(false)]),
            "logging": .object([:]),
        ]
        if !service.extensions.isEmpty { serverCapabilities["extensions"] = .object(service.extensions) }
        var result: [String: JSONValue] = [
            "protocolVersion": .string(version),
            "capabilities": .object(serverCapabilities),
            "serverInfo": service.implementation.json,
        ]
        if let instructions = service.instructions { result["instructions"] = .string(instructions) }
        return (client, .object(result))
    }

    func answerLegacy(_ method: String, params: [String: JSONValue], client: MCPClient) async throws(JSONRPCError) -> [String: JSONValue] {
        switch method {
        case "ping":
            return [:]
        case "logging/setLevel":
            guard case let .string(level)? = params["level"], Self.logLevels.contains(level) else {
                throw .invalidParams("logging/setLevel needs params.level, one of \(Self.logLevels.joined(separator: ", "))")
            }
            return [:]
        default:
            guard let result = try await answerShared(method, params: params, client: client) else {
                throw .methodNotFound("unknown method \(method); this server answers initialize, ping, tools/list, tools/call, prompts/list, "
                    + "prompts/get, resources/list, resources/templates/list, resources/read, logging/setLevel")
            }
            return result.fields
        }
    }

    // MARK: - Modern (2026-07-28)

    func answerModern(_ method: String, params: [String: JSONValue], client: MCPClient) async throws(JSONRPCError) -> [String: JSONValue] {
        if method == "server/discover" {
            var result: [String: JSONValue] = [
                "supportedVersions": .array(MCPVersion.all.map(JSONValue.string)),
                "capabilities": .object([
                    "tools": .object([:]), "prompts": .object([:]), "resources": .object([:]), "extensions": .object(service.extensions),
                ]),
                "ttlMs": .int(ttl.discover),
                "cacheScope": .string("public"),
            ]
            if let instructions = service.instructions { result["instructions"] = .string(instructions) }
            return result
        }
        if ["initialize", "ping", "logging/setLevel"].contains(method) {
            throw .methodNotFound("\(method) is not part of MCP \(client.protocolVersion) (stateless: no handshake, ping or session log level); "
                + "send it without _meta protocolVersion to use \(MCPVersion.legacy[0])")
        }
        guard let result = try await answerShared(method, params: params, client: client) else {
            throw .methodNotFound("unknown method \(method); this server answers server/discover, tools/list, tools/call, prompts/list, "
                + "prompts/get, resources/list, resources/templates/list, resources/read")
        }
        var fields = result.fields
        if let cache = result.cache {
            fields["ttlMs"] = .int(cache.ttl)
            fields["cacheScope"] = .string(cache.isPrivate ? "private" : "public")
        }
        return fields
    }

    // MARK: - Both eras

    struct SharedResult {
        var fields: [String: JSONValue]
        /// The caching hint of a cacheable result (modern only).
        var cache: (ttl: Int, isPrivate: Bool)?
    }

    /// tools, prompts and resources: the same in both eras but for the envelope.
    func answerShared(_ method: String, params: [String: JSONValue], client: MCPClient) async throws(JSONRPCError) -> SharedResult? {
        switch method {
        case "tools/list":
            try Self.noCursor(params, method)
            return SharedResult(fields: ["tools": .array(service.tools(for: client))], cache: (ttl.tools, service.toolsDependOnCaller))
        case "tools/call":
            let name = try Self.requiredString(params, "name", method, example: "get_agency_overview")
            var arguments: [String: JSONValue] = [:]
            switch params["arguments"] {
            case nil, .null?: break
            case let .object(given)?: arguments = given
            case let other?: throw .invalidParams("tools/call params.arguments must be an object of the tool's parameters, got \(other.kind)")
            }
            return SharedResult(fields: try await service.callTool(name, arguments: arguments, client: client).json.objectFields, cache: nil)
        case "prompts/list":
            try Self.noCursor(params, method)
            return SharedResult(fields: ["prompts": .array(service.prompts())], cache: (ttl.prompts, false))
        case "prompts/get":
            let name = try Self.requiredString(params, "name", method, example: "pulse_check")
            var arguments: [String: String] = [:]
            switch params["arguments"] {
            case nil, .null?: break
            case let .object(given)?:
                for (key, value) in given {
                    guard case let .string(text) = value else {
                        throw .invalidParams("prompts/get params.arguments.\(key) must be a string, got \(value.kind)")
                    }
                    arguments[key] = text
                }
            case let other?: throw .invalidParams("prompts/get params.arguments must be an object of strings, got \(other.kind)")
            }
            return SharedResult(fields: try service.prompt(name, arguments: arguments).objectFields, cache: nil)
        case "resources/list":
            try Self.noCursor(params, method)
            return SharedResult(fields: ["resources": .array(service.resources(for: client))], cache: (ttl.resources, true))
        case "resources/templates/list":
            try Self.noCursor(params, method)
            return SharedResult(fields: ["resourceTemplates": .array(service.resourceTemplates(for: client))], cache: (ttl.resources, true))
        case "resources/read":
            let uri = try Self.requiredString(params, "uri", method, example: "ui://vitals/agency-overview")
            return SharedResult(fields: ["contents": .array(try service.readResource(uri, client: client))], cache: (ttl.resources, true))
        default:
            return nil
        }
    }

    static func requiredString(_ params: [String: JSONValue], _ name: String, _ method: String, example: String) throws(JSONRPCError) -> String {
        guard case let .string(value)? = params[name], !value.isEmpty else {
            let got = params[name].map { ", got \($0.kind)" } ?? ""
            throw .invalidParams("\(method) needs params.\(name), a non-empty string such as \"\(example)\"\(got)")
        }
        return value
    }

    /// Lists come whole: no cursor was ever handed out, so any cursor is unknown.
    static func noCursor(_ params: [String: JSONValue], _ method: String) throws(JSONRPCError) {
        switch params["cursor"] {
        case nil, .null?: return
        case .string?: throw .invalidParams("invalid cursor for \(method): this list comes in one page; call it without cursor")
        case let other?: throw .invalidParams("\(method) params.cursor must be a string, got \(other.kind)")
        }
    }
}

extension JSONValue {
    /// An object's fields (empty for anything else).
    var objectFields: [String: JSONValue] {
        if case let .object(fields) = self { return fields }
        return [:]
    }
}
