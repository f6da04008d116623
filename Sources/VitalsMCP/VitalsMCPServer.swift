import Foundation
import VitalsJSON
import VitalsProtocol
import VitalsStore
import VitalsTools

/// The Vitals MCP service on the protocol core (``MCPServerCore``): the tools of
/// ``ToolCatalog`` that a credential's scopes allow, every call scoped to
/// the credential's agency, and for a host that renders MCP Apps the views
/// of two of them (``MCPApp``).
public struct VitalsMCPServer: Sendable {
    /// Where each call's data comes from (follows the store as it changes).
    public let live: LiveContext
    public let credential: Credential
    /// Only these categories' tools (nil: all).
    public let toolsets: Set<String>?
    /// Only tools that change nothing.
    public let readOnly: Bool

    /// The server version MCP clients and `/.well-known/mcp.json` see.
    public static let version = "0.5.0"

    /// The tool categories, as GoCSM's catalogue groups them.
    public static let allToolsets = ["discovery", "risk", "adoption", "login", "revenue", "feedback", "actions", "work"]

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

    /// Their MCP definitions, in catalogue order; for a client that renders
    /// the MCP App, with the views linked.
    func tools(rendered: Bool) -> [JSONValue] {
        let served = servedNames
        return ToolCatalog.tools.filter { served.contains($0.name) }.map { rendered ? $0.appJSON : $0.json }
    }

    /// The views of the tools served, for a client that renders them.
    func views(for client: MCPClient) -> [MCPApp.View] {
        guard MCPApp.isRendered(by: client) else { return [] }
        let served = servedNames
        return MCPApp.views.filter { served.contains($0.tool) }
    }

    static let instructions = """
        Vitals answers customer-success questions about this agency's client accounts: health scores with \
        their six components, churn risk with its drivers, health movers, inactive users, feature adoption and \
        movers, revenue (MRR, NRR, GRR, who made each month's movements), renewals and upsell candidates. Start \
        with get_agency_overview or list_accounts_at_risk; find ids with search_accounts and search_users. \
        Every answer says as_of (the day T; windows count from it), data_through (the latest event day: how \
        fresh the data is) and source (materialized nightly, or computed now). Churned accounts (MRR 0) are \
        apart: triage lists leave them out unless include_churned is true. Money is integer cents (*_cents: \
        50000 = $500.00). Lists are paged: pass next_cursor back as cursor until has_more is false; sort_by \
        and filters narrow them server-side, fields keeps only the fields you need.
        """

    /// Runs a tool for the credential's agency. Reads are audited in the
    /// background; writes audit themselves in their own transaction.
    public func answer(_ name: String, arguments json: JSONValue?) -> MCPToolResult {
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
            // The next answer reloads the store, so it shows what was written.
            if isWrite { live.expire() }
            return MCPToolResult(structured: result)
        } catch {
            outcome = error.message
            return MCPToolResult(text: error.message, structured: nil, isError: true)
        }
    }

    /// Serves over standard input and output until the client closes it.
    public func runStdio() async {
        await StdioRouter(core: MCPServerCore(service: self)).run()
    }
}

extension VitalsMCPServer: MCPService {
    public var implementation: MCPImplementation { MCPImplementation(name: "vitals", title: "Vitals", version: Self.version) }
    public var instructions: String? { Self.instructions }
    public var extensions: [String: JSONValue] { [MCPApp.extensionID: [:]] }

    /// Depends on the caller twice over: the credential's scopes and
    /// toolsets, and whether the client renders the MCP App (so a modern
    /// list is cached `private`, per client).
    public func tools(for client: MCPClient) -> [JSONValue] { tools(rendered: MCPApp.isRendered(by: client)) }

    public func callTool(_ name: String, arguments: [String: JSONValue], client: MCPClient) async throws(JSONRPCError) -> MCPToolResult {
        guard ReadTools.named(name) != nil || WriteTools.named(name) != nil else {
            throw .invalidParams("Unknown tool: \(name); tools/list names the tools this credential may call")
        }
        return answer(name, arguments: .object(arguments))
    }

    public func prompts() -> [JSONValue] { VitalsPrompts.prompts }

    public func prompt(_ name: String, arguments: [String: String]) throws(JSONRPCError) -> JSONValue {
        try VitalsPrompts.get(name, arguments: arguments)
    }

    /// The MCP App's views, listed only for a client that renders them
    /// (the spec lets a server leave UI-only resources out of the list;
    /// listing them where they can be used lets a host prefetch them).
    public func resources(for client: MCPClient) -> [JSONValue] { views(for: client).map(\.resource) }

    /// A view's page. A client that did not declare the extension is told
    /// which capability the page needs (-32021, `requiredCapabilities`).
    public func readResource(_ uri: String, client: MCPClient) throws(JSONRPCError) -> [JSONValue] {
        guard let view = MCPApp.view(uri: uri), servedNames.contains(view.tool) else {
            throw .invalidParams("unknown resource \(uri): resources/list names the resources this server has")
        }
        guard MCPApp.isRendered(by: client) else {
            throw .missingClientCapability("\(uri) is an MCP App view (\(MCPApp.mimeType)): declare capabilities.extensions[\"\(MCPApp.extensionID)\"] "
                + "with mimeTypes [\"\(MCPApp.mimeType)\"] to read it; the tool's text content says the same without it",
                required: ["extensions": [MCPApp.extensionID: ["mimeTypes": [.string(MCPApp.mimeType)]]]])
        }
        return [view.contents]
    }
}
