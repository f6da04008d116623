import VitalsJSON
import VitalsStore

/// The REST twin's OpenAPI 3.1 document, generated from the tool
/// definitions (``ToolCatalog``) as the MCP tool list is: one
/// `POST /api/v1/tools/{name}` operation per tool, its request body the
/// tool's input schema, its 200 response the tool's output schema (JSON
/// Schema 2020-12, which OpenAPI 3.1 takes as it is), refusals as RFC 9457
/// problem details. Nothing in it is written by hand per tool.
enum OpenAPI {
    static func document(serverURL: String) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for tool in ToolCatalog.tools {
            let json = tool.json
            var responses: [String: JSONValue] = [
                "200": ["description": "The tool's structured result (what MCP's structuredContent holds).",
                        "content": ["application/json": ["schema": json["outputSchema"] ?? ["type": "object"]]]],
                "400": problem("A call that cannot be answered: a bad argument, an unknown id (another agency's ids answer the same), a day outside the data."),
                "401": problem("No credential, or a wrong, expired or revoked one."),
                "403": problem("The credential lacks the tool's scope (\(tool.scope.rawValue))."),
                "404": problem("No such tool."),
                "429": problem("Over the agency's rate limit: retry after Retry-After seconds."),
            ]
            if tool.isWrite { responses["409"] = problem("An idempotency_key reused with other arguments.") }
            paths["/api/v1/tools/\(tool.name)"] = ["post": [
                "operationId": .string(tool.name),
                "summary": json["title"] ?? .string(tool.name),
                "description": json["description"] ?? "",
                "tags": [.string(tool.toolset)],
                "requestBody": ["required": true, "content": ["application/json": ["schema": json["inputSchema"] ?? ["type": "object"]]]],
                "responses": .object(responses),
                "security": [["apiKey": []], ["bearer": [.string(tool.scope.rawValue)]]],
            ]]
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Vitals REST API", "version": .string(VitalsMCPServer.version),
                "description": "The REST twin of the Vitals MCP tools: the same tools, answers, credentials, scopes, tenancy, rate limits and audit. POST the tool's arguments as a JSON object; the answer is the tool's structured result.",
            ],
            "servers": [["url": .string(serverURL)]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": [
                    "apiKey": ["type": "apiKey", "in": "header", "name": "x-api-key",
                               "description": "An API key of one agency (vitals token create)."],
                    "bearer": ["type": "http", "scheme": "bearer",
                               "description": "An OAuth 2.1 access token for this server's /api/mcp resource."],
                ],
                "schemas": ["Problem": [
                    "type": "object", "required": ["type", "title", "status", "detail"],
                    "properties": ["type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                                   "detail": ["type": "string"]],
                ]],
            ],
        ]
    }

    static func problem(_ description: String) -> JSONValue {
        ["description": .string(description),
         "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]]
    }
}
