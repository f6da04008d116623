import Foundation
import MCP
import VitalsTools

/// The Vitals MCP server: the read tools of ``ToolCatalog`` for one agency,
/// on modelcontextprotocol/swift-sdk.
public struct VitalsMCPServer: Sendable {
    public let context: ToolContext
    /// Every call is scoped to this agency (the credential's, once keys land).
    public let agencyID: String

    public init(context: ToolContext, agencyID: String) {
        self.context = context
        self.agencyID = agencyID
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
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: ToolCatalog.tools) }
        await server.withMethodHandler(CallTool.self) { params in self.call(params.name, arguments: params.arguments) }
        return server
    }

    /// One tool call: structured content plus its JSON text, or a tool
    /// error (`isError`) that says what to do next.
    public func call(_ name: String, arguments: [String: Value]?) -> CallTool.Result {
        let json = arguments.map { JSONValue.object($0.mapValues(JSONValue.init)) }
        do throws(ToolError) {
            let result = try ReadTools.call(name, agencyID: agencyID, arguments: json, context: context)
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
