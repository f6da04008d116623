import VitalsJSON
import VitalsProtocol
import VitalsViews

/// Vitals as an MCP App: the MCP Apps extension (`io.modelcontextprotocol/ui`,
/// SEP-1865, `specification/2026-01-26/apps.mdx` in modelcontextprotocol/ext-apps)
/// lets a host draw a tool's answer in a sandboxed iframe. get_agency_overview
/// and get_account each name a view (`_meta.ui.resourceUri`, "Resource
/// Discovery"); the view is a `ui://` resource whose HTML (``AppPage``)
/// renders the call's `structuredContent`, which the host posts to it.
///
/// Only a client that declared the extension sees any of it ("Client<>Server
/// Capability Negotiation": servers SHOULD check the client's capabilities
/// before offering UI). Every other client gets the tool list byte for byte
/// as before, and every client the same tool answers: the text content a
/// host without Apps shows is unchanged ("Graceful Degradation").
enum MCPApp {
    /// The extension identifier ("Extension Identifier").
    static let extensionID = "io.modelcontextprotocol/ui"
    /// The one content type the extension defines for a view ("UI Resource Format").
    static let mimeType = "text/html;profile=mcp-app"

    /// A tool's view.
    struct View: Sendable {
        var tool: String
        var uri: String
        var name: String
        var description: String
        var html: String

        /// The `resources/list` entry.
        var resource: JSONValue {
            ["uri": .string(uri), "name": .string(name), "description": .string(description), "mimeType": .string(mimeType)]
        }

        /// The `resources/read` contents. `_meta.ui` declares no `csp`: the
        /// page loads nothing (inline script and style only), so the
        /// spec's restrictive default CSP — no connection, no outside
        /// resource — is all it needs. `prefersBorder`: the page draws
        /// cards on a plain background and reads best framed as a card
        /// itself (the spec recommends saying it, as hosts' defaults differ).
        var contents: JSONValue {
            ["uri": .string(uri), "mimeType": .string(mimeType), "text": .string(html), "_meta": ["ui": ["prefersBorder": true]]]
        }
    }

    static let views = [
        View(tool: "get_agency_overview", uri: "ui://vitals/agency-overview", name: "Agency overview",
             description: "get_agency_overview's answer drawn: accounts by band, average health, MRR and retention, churned accounts, the riskiest paying accounts.",
             html: AppPage.agencyOverview),
        View(tool: "get_account", uri: "ui://vitals/account", name: "Account",
             description: "get_account's answer drawn: health and its six components, churn risk with signals and drivers, open CTAs, key users, recent activity.",
             html: AppPage.account),
    ]

    static func view(tool: String) -> View? { views.first { $0.tool == tool } }
    static func view(uri: String) -> View? { views.first { $0.uri == uri } }

    /// Whether the client renders the views: it declared the extension and,
    /// if it lists the content types it takes (`mimeTypes`, required by the
    /// spec), ours among them — a host that renders only some future type
    /// gets no link it cannot follow.
    static func isRendered(by client: MCPClient) -> Bool {
        guard client.declaresExtension(extensionID) else { return false }
        guard case let .array(types)? = client.capabilities["extensions"]?[extensionID]?["mimeTypes"] else { return true }
        return types.contains(.string(mimeType))
    }

    /// A tool definition with its view linked (`_meta.ui.resourceUri`), or
    /// unchanged if it has none. Only the nested key: the flat
    /// `_meta["ui/resourceUri"]` is deprecated and "will be removed before GA".
    static func linking(_ definition: JSONValue, tool: String) -> JSONValue {
        guard let view = view(tool: tool), case var .object(fields) = definition else { return definition }
        fields["_meta"] = ["ui": ["resourceUri": .string(view.uri)]]
        return .object(fields)
    }
}
