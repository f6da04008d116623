import Testing
import VitalsJSON
@testable import VitalsProtocol

/// A small service: one tool that echoes, one prompt, one resource, so the
/// protocol core is tested apart from Vitals' tools.
struct EchoService: MCPService {
    var implementation: MCPImplementation { MCPImplementation(name: "echo", version: "1.0.0") }
    var instructions: String? { "Echoes." }
    var extensions: [String: JSONValue] { ["io.modelcontextprotocol/ui": [:]] }

    func tools(for client: MCPClient) -> [JSONValue] {
        [["name": "echo", "description": "Echoes its text.", "inputSchema": ["type": "object"]]]
    }

    func callTool(_ name: String, arguments: [String: JSONValue], client: MCPClient) async throws(JSONRPCError) -> MCPToolResult {
        guard name == "echo" else { throw .invalidParams("Unknown tool: \(name)") }
        guard case let .string(text)? = arguments["text"] else {
            return MCPToolResult(text: "echo needs text", structured: nil, isError: true)
        }
        return MCPToolResult(text: text, structured: ["text": .string(text), "client": .string(client.protocolVersion)], isError: false)
    }

    func readResource(_ uri: String, client: MCPClient) throws(JSONRPCError) -> [JSONValue] {
        guard uri == "ui://echo/page" else { throw .invalidParams("unknown resource \(uri)") }
        guard client.declaresExtension("io.modelcontextprotocol/ui") else {
            throw .missingClientCapability("ui://echo/page needs the MCP Apps extension", required: ["extensions": ["io.modelcontextprotocol/ui": [:]]])
        }
        return [["uri": .string(uri), "mimeType": "text/html;profile=mcp-app", "text": "<p>echo</p>"]]
    }
}

/// JSON-RPC done strictly and MCP's two eras, message by message.
@Suite struct ProtocolCoreTests {
    let core = MCPServerCore(service: EchoService())

    static let modernMeta: JSONValue = [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": [:],
        "io.modelcontextprotocol/clientInfo": ["name": "test", "version": "1"],
    ]

    func send(_ text: String, session: MCPClient? = nil) async -> MCPAnswer {
        switch JSONRPCMessage.parse(Array(text.utf8)) {
        case let .failure(refusal): MCPServerCore<EchoService>.answer(refusal)
        case let .success(message): await core.answer(message, session: session)
        }
    }

    func modern(_ method: String, id: JSONValue = 1, _ params: [String: JSONValue] = [:]) async -> MCPAnswer {
        var params = params
        params["_meta"] = Self.modernMeta
        let body: JSONValue = ["jsonrpc": "2.0", "id": id, "method": .string(method), "params": .object(params)]
        return await send(body.text())
    }

    // MARK: - Malformed messages: the right code, a message naming the problem

    /// Each kind of malformed message, with the code it gets, the id it is
    /// answered with, and a word the message must contain.
    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":true,"method":"tools/list"}"#, -32600, JSONValue.null, "id must be a string or an integer, got boolean"),
        (#"{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}"#, -32600, .null, "got number"),
        (#"{"jsonrpc":"2.0","id":null,"method":"tools/list"}"#, -32600, .null, "got null"),
        (#"{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}"#, -32600, .null, "got object"),
        (#"{"jsonrpc":"2.0","id":7}"#, -32600, .int(7), "missing method"),
        (#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#, -32600, .int(7), "jsonrpc must be \"2.0\""),
        (#"{"jsonrpc":"2.0","id":7,"method":42}"#, -32600, .int(7), "method must be a non-empty string"),
        (#"{"jsonrpc":"2.0","id":"a","method":"tools/list","params":[1,2]}"#, -32602, .string("a"), "params of tools/list must be an object, got array"),
        (#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, -32600, .null, "batches are not supported"),
        (#"{"jsonrpc":"2.0","id":1,"method":"#, -32700, .null, "not valid JSON"),
        ("42", -32600, .null, "must be a JSON object, got integer"),
    ])
    func malformedMessagesAreRefusedByName(body: String, code: Int, id: JSONValue, says: String) async {
        let answer = await send(body)
        #expect(answer.error?.code == code)
        #expect(answer.message?["id"] == id)
        #expect(answer.error?.message.contains(says) == true, "\(answer.error?.message ?? "no error")")
        #expect(answer.httpStatus == 400)
    }

    @Test func wrongArgumentTypesAreInvalidParamsNamingTheField() async {
        let arguments = await modern("tools/call", ["name": "echo", "arguments": "text=hi"])
        #expect(arguments.error?.code == -32602)
        #expect(arguments.error?.message == "tools/call params.arguments must be an object of the tool's parameters, got string")
        let name = await modern("tools/call", ["name": 5])
        #expect(name.error?.code == -32602)
        #expect(name.error?.message.contains("params.name") == true)
        let prompt = await modern("prompts/get", ["name": "x", "arguments": ["n": 3]])
        #expect(prompt.error?.message == "prompts/get params.arguments.n must be a string, got integer")
    }

    @Test func notificationsAndResponsesGetNoAnswer() async {
        #expect(await send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).message == nil)
        #expect(await send(#"{"jsonrpc":"2.0","id":3,"result":{}}"#).message == nil)
        // A malformed notification has nobody to tell.
        #expect(await send(#"{"jsonrpc":"2.0","method":"notifications/x","params":3}"#).message == nil)
    }

    // MARK: - Legacy era

    @Test func initializeKeepsAnyCapabilitiesAndNegotiatesTheVersion() async throws {
        // ChatGPT's and Codex's capabilities as they send them: objects under experimental, an extensions map.
        let chatGPT = #"""
        {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"experimental":{"openai/visibility":{"enabled":true}},"extensions":{"io.modelcontextprotocol/ui":{"mimeTypes":["text/html;profile=mcp-app"]}}},"clientInfo":{"name":"openai-mcp","version":"1.0.0"}}}
        """#
        let answer = await send(chatGPT)
        let result = try #require(answer.message?["result"])
        #expect(result["protocolVersion"] == "2025-06-18")
        #expect(result["serverInfo"]?["name"] == "echo")
        #expect(answer.opened?.capabilities["experimental"] == ["openai/visibility": ["enabled": true]])
        #expect(answer.opened?.declaresExtension("io.modelcontextprotocol/ui") == true)
        #expect(result["capabilities"]?["extensions"] == ["io.modelcontextprotocol/ui": [:]])

        let codex = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"experimental":{"codex/auth-change":{}},"elicitation":{}},"clientInfo":{"name":"codex-mcp-client","version":"0.46.0"}}}"#
        #expect(await send(codex).message?["result"]?["protocolVersion"] == "2025-11-25")

        // A version we do not speak is answered with our latest legacy one.
        let future = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2031-01-01","capabilities":{}}}"#
        #expect(await send(future).message?["result"]?["protocolVersion"] == .string(MCPVersion.legacy[0]))
    }

    @Test func legacySessionServesToolsAndPing() async throws {
        let session = MCPClient(protocolVersion: "2025-11-25")
        let ping = await send(#"{"jsonrpc":"2.0","id":"p","method":"ping"}"#, session: session)
        #expect(ping.message?["result"] == [:])
        let call = await send(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#, session: session)
        let result = try #require(call.message?["result"])
        #expect(result["structuredContent"] == ["text": "hi", "client": "2025-11-25"])
        #expect(result["resultType"] == nil)  // a 2025 result has no resultType
        let level = await send(#"{"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"loud"}}"#, session: session)
        #expect(level.error?.code == -32602)
        let again = await send(#"{"jsonrpc":"2.0","id":4,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}"#, session: session)
        #expect(again.error?.code == -32600)
    }

    @Test func withoutSessionOrMetaTheRequestIsToldBothWaysIn() async {
        let answer = await send(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        #expect(answer.error?.code == -32602)
        #expect(answer.error?.message.contains("io.modelcontextprotocol/protocolVersion") == true)
        #expect(answer.error?.message.contains("initialize") == true)
        #expect(answer.httpStatus == 400)
    }

    // MARK: - Modern era

    @Test func discoverNamesEveryVersionWithCachingAndServerInfo() async throws {
        let answer = await modern("server/discover", id: "d")
        let result = try #require(answer.message?["result"])
        #expect(result["resultType"] == "complete")
        #expect(result["supportedVersions"] == .array(MCPVersion.all.map(JSONValue.string)))
        #expect(result["_meta"]?["io.modelcontextprotocol/serverInfo"]?["name"] == "echo")
        #expect(result["ttlMs"] == .int(3_600_000))
        #expect(result["cacheScope"] == "public")
        #expect(result["instructions"] == "Echoes.")
        #expect(result["capabilities"]?["extensions"] == ["io.modelcontextprotocol/ui": [:]])
        #expect(answer.message?["id"] == "d")
    }

    @Test func modernListsCarryCacheHintsAndCallsCarryResultType() async throws {
        let tools = try #require(await modern("tools/list").message?["result"])
        #expect(tools["cacheScope"] == "private")
        #expect(tools["ttlMs"] != nil)
        #expect(tools["tools"]?.arrayCount == 1)
        let call = try #require(await modern("tools/call", ["name": "echo", "arguments": ["text": "x"]]).message?["result"])
        #expect(call["resultType"] == "complete")
        #expect(call["ttlMs"] == nil)
        #expect(call["structuredContent"]?["client"] == "2026-07-28")
        let prompts = try #require(await modern("prompts/list").message?["result"])
        #expect(prompts["cacheScope"] == "public")
    }

    @Test func modernRequestsAreCheckedAgainstTheirMeta() async {
        // Unknown version: -32022 listing every version, legacy ones included.
        let body: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "tools/list",
                               "params": ["_meta": ["io.modelcontextprotocol/protocolVersion": "2027-01-01",
                                                    "io.modelcontextprotocol/clientCapabilities": [:]]]]
        let unknown = await send(body.text())
        #expect(unknown.error?.code == -32022)
        #expect(unknown.error?.data?["supported"] == .array(MCPVersion.all.map(JSONValue.string)))
        #expect(unknown.error?.data?["requested"] == "2027-01-01")
        #expect(unknown.httpStatus == 400)
        // Missing clientCapabilities: -32602, 400.
        let noCapabilities: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "tools/list",
                                         "params": ["_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28"]]]
        let missing = await send(noCapabilities.text())
        #expect(missing.error?.code == -32602)
        #expect(missing.error?.message.contains("clientCapabilities") == true)
        #expect(missing.httpStatus == 400)
        // server/discover without _meta is still modern, and malformed.
        #expect(await send(#"{"jsonrpc":"2.0","id":1,"method":"server/discover"}"#).error?.code == -32602)
    }

    @Test func removedAndUnknownMethodsAreNotFound() async {
        for method in ["ping", "initialize", "logging/setLevel", "sampling/createMessage"] {
            let answer = await modern(method)
            #expect(answer.error?.code == -32601, "\(method)")
            #expect(answer.httpStatus == 404)
        }
    }

    @Test func aToolErrorIsAResultAndAnUnknownToolIsInvalidParams() async throws {
        let error = try #require(await modern("tools/call", ["name": "echo", "arguments": [:]]).message?["result"])
        #expect(error["isError"] == true)
        let unknown = await modern("tools/call", ["name": "nope"])
        #expect(unknown.error?.code == -32602)
        #expect(unknown.httpStatus == 200)
    }

    @Test func aResourceNeedingAnUndeclaredExtensionIsMissingCapability() async throws {
        let refused = await modern("resources/read", ["uri": "ui://echo/page"])
        #expect(refused.error?.code == -32021)
        #expect(refused.error?.data?["requiredCapabilities"]?["extensions"] != nil)
        #expect(refused.httpStatus == 400)
        var meta = Self.modernMeta
        if case var .object(fields) = meta {
            fields["io.modelcontextprotocol/clientCapabilities"] = ["extensions": ["io.modelcontextprotocol/ui": [:]]]
            meta = .object(fields)
        }
        let body: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": ["uri": "ui://echo/page", "_meta": meta]]
        let read = try #require(await send(body.text()).message?["result"])
        #expect(read["contents"]?.arrayCount == 1)
        #expect(read["cacheScope"] == "private")
        let missing = await modern("resources/read", ["uri": "ui://nothing"])
        #expect(missing.error?.code == -32602)  // 2026: resource not found is -32602, never -32002
    }

    @Test func anUnknownCursorIsRefused() async {
        #expect(await modern("tools/list", ["cursor": "abc"]).error?.code == -32602)
    }
}

extension JSONValue {
    var arrayCount: Int? {
        if case let .array(items) = self { return items.count }
        return nil
    }
}
