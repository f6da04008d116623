import Testing
import VitalsJSON
import VitalsProtocol
import VitalsStore
import VitalsTools
@testable import VitalsMCP

/// The MCP App (`io.modelcontextprotocol/ui`) through the protocol core, in
/// both eras: a client that declares the extension sees the views linked
/// from get_agency_overview and get_account and can read their pages; one
/// that does not sees the tool list as before and is refused the pages.
@Suite struct MCPAppTests {
    let served = ServedStore.shared

    static let apps: JSONValue = ["extensions": ["io.modelcontextprotocol/ui": ["mimeTypes": ["text/html;profile=mcp-app"]]]]
    static let views = ["get_agency_overview": "ui://vitals/agency-overview", "get_account": "ui://vitals/account"]

    enum Era: String, CaseIterable { case legacy, modern }

    /// A client of `era` that declared `capabilities`, talking to a server with the read key.
    struct Client {
        let core: MCPServerCore<VitalsMCPServer>
        let era: Era
        let capabilities: JSONValue
        var session: MCPClient?

        init(_ served: ServedStore, era: Era, capabilities: JSONValue, toolsets: Set<String>? = nil) async throws {
            let credential = try served.store.authenticate(key: served.readKey)
            core = MCPServerCore(service: VitalsMCPServer(live: try LiveContext(store: served.store), credential: credential, toolsets: toolsets))
            self.era = era
            self.capabilities = capabilities
            if era == .legacy {
                let opened = await send("initialize", ["protocolVersion": "2025-11-25", "capabilities": capabilities,
                                                       "clientInfo": ["name": "test", "version": "1"]])
                let client: MCPClient = try #require(opened.opened)
                session = client
            }
        }

        func send(_ method: String, _ params: [String: JSONValue] = [:]) async -> MCPAnswer {
            var params = params
            if era == .modern {
                params["_meta"] = ["io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": capabilities]
            }
            guard case let .success(message) = JSONRPCMessage.parse(["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": .object(params)]) else {
                Issue.record("could not build \(method)")
                return .none
            }
            return await core.answer(message, session: session)
        }

        func result(_ method: String, _ params: [String: JSONValue] = [:]) async throws -> JSONValue {
            let answer = await send(method, params)
            return try #require(answer.message?["result"], "\(method): \(answer.error?.description ?? "no answer")")
        }
    }

    @Test(arguments: Era.allCases)
    func aClientThatDeclaresAppsSeesTheViewsAndReadsThePages(era: Era) async throws {
        let client = try await Client(served, era: era, capabilities: Self.apps)
        let listed = try await client.result("tools/list")
        let tools = try #require(listed["tools"]?.arrayValue)
        let plain = try await Client(served, era: era, capabilities: [:]).result("tools/list")["tools"]?.arrayValue ?? []
        #expect(tools.count == plain.count)
        for (tool, without) in zip(tools, plain) {
            let name = tool["name"]?.stringValue ?? ""
            if let uri = Self.views[name] {
                #expect(tool["_meta"] == ["ui": ["resourceUri": .string(uri)]], "\(name)")
                guard case var .object(fields) = tool else { continue }
                fields["_meta"] = nil
                #expect(JSONValue.object(fields) == without, "\(name) differs beyond _meta")
            } else {
                #expect(tool == without, "\(name) changed")
            }
        }
        if era == .modern { #expect(listed["cacheScope"] == "private") }

        let resources = try #require(try await client.result("resources/list")["resources"]?.arrayValue)
        #expect(Set(resources.compactMap { $0["uri"]?.stringValue }) == Set(Self.views.values))
        #expect(resources.allSatisfy { $0["mimeType"] == "text/html;profile=mcp-app" && $0["name"] != nil })

        for uri in Self.views.values {
            let read = try await client.result("resources/read", ["uri": .string(uri)])
            let contents = try #require(read["contents"]?.arrayValue)
            #expect(contents.count == 1)
            #expect(contents.first?["uri"] == .string(uri))
            #expect(contents.first?["mimeType"] == "text/html;profile=mcp-app")
            #expect(contents.first?["_meta"]?["ui"]?["prefersBorder"] == true)
            #expect(contents.first?["_meta"]?["ui"]?["csp"] == nil)  // nothing outside: the spec's restrictive default
            let html = try #require(contents.first?["text"]?.stringValue)
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains("ui/initialize") && html.contains("ui/notifications/tool-result"))
        }
    }

    @Test(arguments: Era.allCases)
    func aClientThatDoesNotDeclareAppsSeesTheListAsBeforeAndNoPage(era: Era) async throws {
        let client = try await Client(served, era: era, capabilities: ["experimental": ["openai/visibility": ["enabled": true]]])
        let tools = try #require(try await client.result("tools/list")["tools"])
        // Byte for byte the definitions the tool snapshots hold.
        #expect(tools.text() == JSONValue.array(ToolCatalog.tools.filter { !$0.isWrite }.map(\.json)).text())
        #expect(tools.arrayValue?.allSatisfy { $0["_meta"] == nil } == true)
        #expect(try await client.result("resources/list")["resources"] == [])

        let refused = await client.send("resources/read", ["uri": "ui://vitals/account"])
        #expect(refused.error?.code == -32021)
        #expect(refused.error?.message.contains("io.modelcontextprotocol/ui") == true)
        #expect(refused.error?.data?["requiredCapabilities"]?["extensions"]?["io.modelcontextprotocol/ui"] != nil)
        #expect(refused.httpStatus == (era == .modern ? 400 : 200))
        #expect(await client.send("resources/read", ["uri": "ui://vitals/nothing"]).error?.code == -32602)
    }

    @Test func aHostThatTakesOtherContentTypesOnlyGetsNoView() async throws {
        let other: JSONValue = ["extensions": ["io.modelcontextprotocol/ui": ["mimeTypes": ["text/uri-list"]]]]
        let client = try await Client(served, era: .modern, capabilities: other)
        #expect(try await client.result("tools/list")["tools"]?.arrayValue?.allSatisfy { $0["_meta"] == nil } == true)
        #expect(try await client.result("resources/list")["resources"] == [])
    }

    @Test func aViewOfAToolNotServedIsNeitherListedNorRead() async throws {
        let client = try await Client(served, era: .modern, capabilities: Self.apps, toolsets: ["revenue"])
        #expect(try await client.result("resources/list")["resources"] == [])
        #expect(await client.send("resources/read", ["uri": "ui://vitals/account"]).error?.code == -32602)
    }

    @Test func theServerAdvertisesTheExtensionInBothEras() async throws {
        let modern = try await Client(served, era: .modern, capabilities: [:]).result("server/discover")
        #expect(modern["capabilities"]?["extensions"] == ["io.modelcontextprotocol/ui": [:]])
        let legacy = try await Client(served, era: .modern, capabilities: [:]).core
            .answer(.request(id: .int(0), method: "initialize", params: ["protocolVersion": "2025-11-25"]), session: nil)
        #expect(legacy.message?["result"]?["capabilities"]?["extensions"] == ["io.modelcontextprotocol/ui": [:]])
    }

    /// The pages load nothing and never parse data as markup.
    @Test(arguments: MCPApp.views.map(\.uri))
    func thePageIsSelfContained(uri: String) throws {
        let html = try #require(MCPApp.view(uri: uri)?.html)
        for outside in ["src=", "href=", "url(", "@import", "fetch(", "XMLHttpRequest", "WebSocket", "innerHTML", "outerHTML", "insertAdjacentHTML", "eval("] {
            #expect(!html.contains(outside), "\(uri) has \(outside)")
        }
    }
}
