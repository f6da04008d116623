import VitalsJSON
import VitalsStore
import VitalsTools

/// The MCP `Tool` objects, generated from the tool definitions
/// (``ReadTool``, ``WriteTool``): name, title, description, the input
/// schema from the declared parameters, the output schema from the declared
/// fields and their scopes, and the annotations. Nothing here is written by
/// hand per tool, so the definition a model reads cannot disagree with the
/// handler that answers.
public enum ToolCatalog {
    /// An MCP `Tool` object and what decides who sees it.
    struct Tool: Sendable {
        var name: String
        var scope: Scope
        var toolset: String
        var isWrite: Bool
        var json: JSONValue
        /// What a client that renders the MCP App reads: `json` with the
        /// tool's view linked, if it has one (``MCPApp``). Both made once,
        /// so neither list is built per request and neither can be served
        /// for the other.
        var appJSON: JSONValue

        init(name: String, scope: Scope, toolset: String, isWrite: Bool, json: JSONValue) {
            self.name = name
            self.scope = scope
            self.toolset = toolset
            self.isWrite = isWrite
            self.json = json
            appJSON = MCPApp.linking(json, tool: name)
        }
    }

    /// The tool definitions: the reads, then the writes, in GoCSM's order.
    static let tools: [Tool] = ReadTools.all.map(definition) + WriteTools.all.map(definition)

    /// The `tools/list` entry of a tool.
    static func tool(name: String, title: String, description: String, input: JSONValue, output: JSONValue,
                     readOnly: Bool, destructive: Bool, idempotent: Bool, openWorld: Bool) -> JSONValue {
        [
            "name": .string(name), "title": .string(title), "description": .string(description),
            "inputSchema": input, "outputSchema": output,
            // destructiveHint and idempotentHint mean something only when readOnlyHint is false;
            // openWorldHint defaults to true, so it is always said.
            "annotations": readOnly
                ? ["readOnlyHint": true, "openWorldHint": .bool(openWorld)]
                : ["readOnlyHint": false, "destructiveHint": .bool(destructive), "idempotentHint": .bool(idempotent),
                   "openWorldHint": .bool(openWorld)],
        ]
    }

    /// A write tool's definition: its annotations say what it changes.
    static func definition(_ tool: WriteTool) -> Tool {
        Tool(name: tool.name, scope: tool.scope, toolset: tool.toolset, isWrite: true,
             json: Self.tool(name: tool.name, title: tool.title, description: "Changes data (needs \(tool.scope.rawValue)). " + tool.summary,
                             input: ToolOutput.inputSchema(tool.allParameters), output: ToolOutput.outputSchema(tool),
                             readOnly: false, destructive: tool.destructive, idempotent: tool.idempotent, openWorld: tool.openWorld))
    }

    static func definition(_ tool: ReadTool) -> Tool {
        Tool(name: tool.name, scope: tool.scope, toolset: tool.toolset, isWrite: false,
             json: Self.tool(name: tool.name, title: tool.title, description: tool.summary,
                             input: ToolOutput.inputSchema(tool.allParameters), output: ToolOutput.outputSchema(tool),
                             readOnly: true, destructive: false, idempotent: true, openWorld: false))
    }
}
