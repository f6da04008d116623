import Foundation
import MCP
import VitalsStore
import VitalsTools

/// The Vitals MCP server on modelcontextprotocol/swift-sdk: the tools of
/// ``ToolCatalog`` that a credential's scopes allow, every call scoped to
/// the credential's agency.
public struct VitalsMCPServer: Sendable {
    public let context: ToolContext
    public let credential: Credential

    public init(context: ToolContext, credential: Credential) {
        self.context = context
        self.credential = credential
    }

    /// The tools this credential may call (tool definitions cost a model's
    /// context: the others are not listed).
    public var tools: [Tool] {
        let allowed = Set(ReadTools.all.filter { credential.scopes.contains($0.scope) }.map(\.name))
        return ToolCatalog.tools.filter { allowed.contains($0.name) }
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
        let server = Server(name: "vitals", version: "0.3.0", instructions: Self.instructions,
                            capabilities: .init(tools: .init(listChanged: false)))
        let tools = self.tools
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools) }
        await server.withMethodHandler(CallTool.self) { params in self.call(params.name, arguments: params.arguments) }
        return server
    }

    /// One tool call: structured content plus its JSON text, or a tool
    /// error (`isError`) that says what to do next.
    public func call(_ name: String, arguments: [String: Value]?) -> CallTool.Result {
        let json = arguments.map { JSONValue.object($0.mapValues(JSONValue.init)) }
        do throws(ToolError) {
            let result = try ReadTools.call(name, agencyID: credential.agencyID, arguments: json, context: context, scopes: credential.scopes)
            return CallTool.Result(content: [.text(text: result.text(), annotations: nil, _meta: nil)],
                                   structuredContent: result.mcpValue as Value?, isError: false)
        } catch {
            return CallTool.Result(content: [.text(text: error.message, annotations: nil, _meta: nil)], isError: true)
        }
    }

    /// Serves over standard input and output until the client closes it.
    public func runStdio() async throws {
        let server = await makeServer()
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}
