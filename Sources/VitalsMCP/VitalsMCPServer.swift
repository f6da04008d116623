import Foundation
import MCP
import VitalsStore
import VitalsTools

/// The Vitals MCP server on modelcontextprotocol/swift-sdk: the tools of
/// ``ToolCatalog`` that a credential's scopes allow, every call scoped to
/// the credential's agency.
public struct VitalsMCPServer: Sendable {
    /// Where each call's data comes from (follows the store as it changes).
    public let live: LiveContext
    public let credential: Credential
    /// Only these categories' tools (nil: all).
    public let toolsets: Set<String>?
    /// Only tools that change nothing.
    public let readOnly: Bool

    /// The server version MCP clients and `/.well-known/mcp.json` see.
    public static let version = "0.4.0"

    /// The tool categories, as GoCSM's catalogue groups them.
    public static let allToolsets = ["discovery", "risk", "adoption", "login", "revenue", "feedback", "actions"]

    /// Where read calls and failed calls are logged (nil: not audited).
    public let audit: AuditLog?

    public init(live: LiveContext, credential: Credential, toolsets: Set<String>? = nil, readOnly: Bool = false, audit: AuditLog? = nil) {
        self.live = live
        self.audit = audit
        self.credential = credential
        self.toolsets = toolsets
        self.readOnly = readOnly
    }

    /// The names of the tools served: those the credential's scopes allow,
    /// within the chosen toolsets (tool definitions cost a model's context;
    /// some clients cap the tool count), writes only when not read-only.
    var servedNames: Set<String> {
        let inToolsets = { (toolset: String) in toolsets?.contains(toolset) ?? true }
        let reads = ReadTools.all.filter { credential.scopes.contains($0.scope) && inToolsets($0.toolset) }.map(\.name)
        let writes = readOnly ? [] : WriteTools.all.filter { credential.scopes.contains($0.scope) && inToolsets($0.toolset) }.map(\.name)
        return Set(reads + writes)
    }

    /// Their MCP definitions, in catalogue order.
    public var tools: [Tool] {
        let served = servedNames
        return ToolCatalog.tools.filter { served.contains($0.name) }
    }

    static let instructions = """
        Vitals answers customer-success questions about this agency's client accounts: health scores with \
        their six components, churn risk with its drivers, inactive users, feature adoption and movers, \
        revenue (MRR, NRR, GRR), renewals and upsell candidates. Start with get_agency_overview or \
        list_accounts_at_risk; find ids with search_accounts and search_users. Lists are paged: pass \
        next_cursor back as cursor until has_more is false.
        """

    /// A configured `Server` with the tool handlers registered.
    public func makeServer() async -> Server {
        let server = Server(name: "vitals", version: Self.version, instructions: Self.instructions,
                            capabilities: .init(prompts: .init(listChanged: false), tools: .init(listChanged: false)))
        let tools = self.tools
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools) }
        await server.withMethodHandler(ListPrompts.self) { _ in .init(prompts: VitalsPrompts.prompts) }
        await server.withMethodHandler(GetPrompt.self) { params in try VitalsPrompts.get(params.name, arguments: params.arguments) }
        await server.withMethodHandler(CallTool.self) { params in self.call(params.name, arguments: params.arguments) }
        return server
    }

    /// One tool call: structured content plus its JSON text, or a tool
    /// error (`isError`) that says what to do next.
    public func call(_ name: String, arguments: [String: Value]?) -> CallTool.Result {
        let outcome = answer(name, arguments: arguments.map { JSONValue.object($0.mapValues(JSONValue.init)) })
        return CallTool.Result(content: [.text(text: outcome.text, annotations: nil, _meta: nil)],
                               structuredContent: outcome.structured?.mcpValue, isError: outcome.isError)
    }

    /// What a tool call answers, in the tools' own JSON model.
    public struct Answer: Sendable {
        public var text: String
        public var structured: JSONValue?
        public var isError: Bool

        /// The `CallTool` result object of MCP: `content` (the JSON text),
        /// `structuredContent`, `isError`.
        public var resultJSON: JSONValue {
            var result: [String: JSONValue] = [
                "content": .array([.object(["type": .string("text"), "text": .string(text)])]),
                "isError": .bool(isError),
            ]
            if let structured { result["structuredContent"] = structured }
            return .object(result)
        }
    }

    /// Runs a tool for the credential's agency. Reads are audited in the
    /// background; writes audit themselves in their own transaction.
    public func answer(_ name: String, arguments json: JSONValue?) -> Answer {
        let started = Date()
        let accountID: String? = if case let .string(id)? = json?["account_id"] { id } else { nil }
        let isWrite = WriteTools.named(name) != nil
        var outcome = "ok"
        defer {
            if !(isWrite && outcome == "ok") {
                audit?.record(AuditEntry(agencyKey: credential.agencyKey, client: credential.client, action: name, accountID: accountID,
                                         outcome: outcome, durationMilliseconds: Date().timeIntervalSince(started) * 1000))
            }
        }
        do throws(ToolError) {
            let known = ReadTools.named(name) != nil || isWrite
            if known, !servedNames.contains(name) {
                if readOnly && isWrite {
                    throw ToolError("tool \(name) changes data and this server runs --read-only")
                }
                if let scope = ReadTools.named(name)?.scope ?? WriteTools.named(name)?.scope, credential.scopes.contains(scope) {
                    throw ToolError("tool \(name) is not served here: this server was started with --toolsets " + (toolsets ?? []).sorted().joined(separator: ","))
                }
            }
            let result = isWrite
                ? try WriteTools.call(name, agencyID: credential.agencyID, client: credential.client, arguments: json, context: live.current(), scopes: credential.scopes)
                : try ReadTools.call(name, agencyID: credential.agencyID, arguments: json, context: live.current(), scopes: credential.scopes)
            return Answer(text: result.text(), structured: result, isError: false)
        } catch {
            outcome = error.message
            return Answer(text: error.message, structured: nil, isError: true)
        }
    }

    /// Starts a configured server on `transport`, with tool calls answered
    /// on the fast path (``ToolCallFastPath``).
    public func start(on transport: any Transport) async throws -> Server {
        let server = await makeServer()
        try await server.start(transport: ToolCallFastPath(inner: transport, server: self))
        return server
    }

    /// Serves over standard input and output until the client closes it.
    public func runStdio() async throws {
        let server = try await start(on: StdioTransport())
        await server.waitUntilCompleted()
    }
}
