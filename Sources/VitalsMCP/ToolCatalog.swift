import VitalsJSON
import VitalsStore
import VitalsTools

/// The MCP tool definitions of the read tools: title, when to use it, an
/// input schema whose every parameter carries a concrete example, an output
/// schema, and annotations.
public enum ToolCatalog {
    /// One parameter of DESIGN.md's shared vocabulary.
    struct Parameter {
        var schema: [String: JSONValue]
        var description: String
    }

    /// The vocabulary: the same name means the same thing in every tool.
    static let vocabulary: [String: Parameter] = [
        "account_id": Parameter(schema: ["type": "string"],
                                description: "The account's id, e.g. \"acc_00042\" (from list_tracked_accounts or search_accounts)."),
        "user_id": Parameter(schema: ["type": "string"],
                             description: "The user's id, e.g. \"usr_000123\" (from search_users or list_inactive_users)."),
        "query": Parameter(schema: ["type": "string", "minLength": 1],
                           description: "Free text matched against ids, names and emails, case-insensitive, e.g. \"acme\"."),
        "days": Parameter(schema: ["type": "integer", "minimum": 1, "maximum": 3650],
                          description: "How many days back from as_of the tool looks, e.g. 30."),
        "window": Parameter(schema: ["type": "integer", "minimum": 1, "maximum": 183],
                            description: "Days in each compared window (the last `window` days against the `window` days before), e.g. 7."),
        "direction": Parameter(schema: ["type": "string", "enum": ["up", "down", "both"]],
                               description: "Sort movers by rise (up), fall (down) or size of change (both), e.g. \"down\"."),
        "as_of": Parameter(schema: ["type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"],
                           description: "The day T the answer is as of, YYYY-MM-DD, e.g. \"2026-11-20\"; default the latest event day."),
        "limit": Parameter(schema: ["type": "integer", "minimum": 1, "maximum": 200],
                           description: "Items per page, 1–200, e.g. 50 (the default)."),
        "cursor": Parameter(schema: ["type": "string"],
                            description: "The next_cursor of the previous page, unchanged, e.g. \"o1e\"; leave out for the first page."),
        "bands": Parameter(schema: ["type": "array", "items": ["type": "string", "enum": ["Healthy", "Watch", "At Risk"]], "minItems": 1],
                           description: "Health bands to keep, e.g. [\"At Risk\", \"Watch\"]."),
        "workflow_id": Parameter(schema: ["type": "string"],
                                 description: "The workflow's id, e.g. \"wf_001_01\" (from list_workflows)."),
        "priority": Parameter(schema: ["type": "string", "enum": ["low", "normal", "high"]],
                              description: "The account's new priority, e.g. \"high\"."),
        "key_user": Parameter(schema: ["type": "boolean"],
                              description: "true to mark the user a key user (champion), false to unmark, e.g. true."),
        "min_mrr_cents": Parameter(schema: ["type": "integer", "minimum": 0],
                                   description: "Only accounts with at least this MRR in cents, e.g. 50000 ($500)."),
    ]

    /// Arguments a tool cannot do without.
    static let required: [String: [String]] = [
        "search_accounts": ["query"], "get_account": ["account_id"], "search_users": ["query"],
        "get_user": ["user_id"], "get_login_activity": ["account_id"],
    ]

    /// An MCP `Tool` object.
    struct Tool: Sendable {
        var name: String
        var json: JSONValue
    }

    /// The tool definitions: the reads, then the writes.
    static let tools: [Tool] = ReadTools.all.map(definition) + WriteTools.all.map(definition)

    /// The `tools/list` entry of a tool.
    static func tool(name: String, title: String, description: String, input: JSONValue, output: JSONValue,
                     readOnly: Bool, destructive: Bool, idempotent: Bool, openWorld: Bool) -> Tool {
        Tool(name: name, json: [
            "name": .string(name), "title": .string(title), "description": .string(description),
            "inputSchema": input, "outputSchema": output,
            "annotations": ["title": .string(title), "readOnlyHint": .bool(readOnly), "destructiveHint": .bool(destructive),
                            "idempotentHint": .bool(idempotent), "openWorldHint": .bool(openWorld)],
        ])
    }

    /// A write tool's definition: its annotations say what it changes.
    static func definition(_ tool: WriteTool) -> Tool {
        var properties: [String: JSONValue] = [:]
        for name in tool.arguments {
            let parameter = vocabulary[name]!
            var schema = parameter.schema
            schema["description"] = .string(parameter.description)
            properties[name] = .object(schema)
        }
        let input: JSONValue = .object([
            "type": "object", "properties": .object(properties),
            "required": .array(tool.required.map { .string($0) }), "additionalProperties": false,
        ])
        let output = objectSchema((writeFields[tool.name] ?? [:]).merging(["agency_id": "string"]) { a, _ in a })
        return Self.tool(name: tool.name, title: tool.title, description: "Changes data (needs \(tool.scope.rawValue)). " + tool.summary,
                         input: input, output: output, readOnly: false, destructive: tool.destructive, idempotent: tool.idempotent,
                         openWorld: tool.name == "trigger_workflow" || tool.name == "request_feedback")
    }

    static func definition(_ tool: ReadTool) -> Tool {
        var properties: [String: JSONValue] = [:]
        for name in tool.arguments + ["as_of"] + (tool.isList ? ["limit", "cursor"] : []) {
            let parameter = vocabulary[name]!
            var schema = parameter.schema
            var description = parameter.description
            if let fallback = tool.materializedDefaults?[name] { description += " Default: \(fallback.text())." }
            schema["description"] = .string(description)
            properties[name] = .object(schema)
        }
        let input: JSONValue = .object([
            "type": "object",
            "properties": .object(properties),
            "required": .array((required[tool.name] ?? []).map { .string($0) }),
            "additionalProperties": false,
        ])
        return Self.tool(name: tool.name, title: tool.title, description: tool.summary, input: input, output: outputSchema(tool),
                         readOnly: true, destructive: false, idempotent: true, openWorld: false)
    }

    /// A field type: `string`, `integer`, `number`, `boolean`, `array`,
    /// `object`, or one of them with `?` (may be null).
    static func fieldSchema(_ type: String) -> JSONValue {
        type.hasSuffix("?") ? ["type": .array([.string(String(type.dropLast())), "null"])] : ["type": .string(type)]
    }

    /// An object whose listed fields are all present (absent values are explicit nulls).
    static func objectSchema(_ fields: [String: String]) -> JSONValue {
        .object(["type": "object", "properties": .object(fields.mapValues(fieldSchema)),
                 "required": .array(fields.keys.sorted().map { .string($0) })])
    }

    static let accountSummary: [String: String] = [
        "account_id": "string", "name": "string", "plan": "string", "priority": "string", "owner_email": "string",
        "renewal_date": "string?", "mrr_cents": "integer", "health": "number", "band": "string", "churn_risk": "number",
        "churned": "boolean", "signals": "array",
    ]
    static let userSummary: [String: String] = [
        "user_id": "string", "account_id": "string", "email": "string", "name": "string", "role": "string", "key_user": "boolean",
        "last_login": "string?", "days_since_login": "integer?",
    ]
    static let featureUsage: [String: String] = ["feature": "string", "uses": "integer", "accounts": "integer", "adoption": "number", "core": "boolean"]

    /// The fields of each list's items.
    static let itemFields: [String: [String: String]] = [
        "list_tracked_accounts": accountSummary,
        "search_accounts": accountSummary,
        "search_users": userSummary,
        "list_accounts_at_risk": ["account": "object", "signals": "array", "drivers": "array"],
        "list_inactive_users": ["user_id": "string", "account_id": "string", "email": "string", "key_user": "boolean",
                                "last_login": "string?", "days_since_login": "integer?"],
        "list_failed_payments": ["account_id": "string", "invoice_id": "string", "amount_cents": "integer", "failed_at": "string",
                                 "recovered": "boolean", "recovered_at": "string?"],
        "list_upcoming_renewals": ["account_id": "string", "name": "string", "renewal_date": "string", "days_to_renewal": "integer",
                                   "mrr_cents": "integer", "health": "number", "band": "string"],
        "get_feature_metrics": featureUsage,
        "list_feature_adoption_gaps": featureUsage,
        "list_feature_metric_movers": ["feature": "string", "cur": "integer", "prev": "integer", "delta": "integer", "pct_change": "number?"],
        "list_upsell_candidates": ["account_id": "string", "name": "string", "mrr_cents": "integer", "health": "number",
                                   "seat_use": "number?", "trend": "number", "reasons": "array"],
        "list_feedback_responses": ["account_id": "string", "user_id": "string?", "ts": "string", "score": "integer",
                                    "category": "string", "comment": "string"],
        "list_workflows": ["workflow_id": "string", "name": "string", "has_webhook": "boolean", "recent_runs": "array"],
    ]

    /// The fields of each write tool's result.
    static let writeFields: [String: [String: String]] = [
        "request_feedback": ["request_id": "string", "account_id": "string", "owner_email": "string", "status": "string"],
        "trigger_workflow": ["run_id": "string", "workflow_id": "string", "workflow_name": "string", "account_id": "string",
                             "user_id": "string?", "status": "string", "delivery": "string"],
        "set_account_priority": ["account_id": "string", "priority": "string", "previous_priority": "string", "changed": "boolean"],
        "set_user_key_status": ["user_id": "string", "account_id": "string", "key_user": "boolean", "previous_key_user": "boolean",
                                "changed": "boolean"],
    ]

    /// The top-level fields of the single-object results.
    static let resultFields: [String: [String: String]] = [
        "get_account": ["account": "object", "score": "object", "seats": "integer?", "key_users": "array", "health_trend": "array"],
        "get_user": ["user": "object", "logins_last_30_days": "integer", "active_days_last_30_days": "integer"],
        "get_agency_overview": ["agency_name": "string", "tracked_accounts": "integer", "paying_accounts": "integer",
                                "accounts_by_band": "object", "average_health": "number?", "mrr_cents": "integer", "retention": "object",
                                "failed_payments_30d": "integer", "renewals_30d": "integer", "highest_churn_risk": "array"],
        "get_login_activity": ["account_id": "string", "user_id": "string?", "days": "integer", "total_logins": "integer", "daily": "array"],
        "get_revenue_summary": ["mrr_cents": "integer", "retention": "object", "monthly_movements": "array"],
    ]

    /// What a tool's result carries: the envelope, its own fields, and for
    /// lists the page fields and the fields of every item.
    static func outputSchema(_ tool: ReadTool) -> JSONValue {
        guard case var .object(schema) = outputSchema(list: tool.isList),
              case var .object(properties)? = schema["properties"], case var .array(required)? = schema["required"] else {
            return outputSchema(list: tool.isList)
        }
        if let items = itemFields[tool.name] {
            properties["items"] = .object(["type": "array", "items": objectSchema(items)])
        }
        for (name, type) in resultFields[tool.name] ?? [:] {
            properties[name] = fieldSchema(type)
            required.append(.string(name))
        }
        schema["properties"] = .object(properties)
        schema["required"] = .array(required)
        return .object(schema)
    }

    /// What every result carries; lists add their page fields.
    static func outputSchema(list: Bool) -> JSONValue {
        var properties: [String: JSONValue] = [
            "agency_id": ["type": "string", "description": "The agency the answer is scoped to."],
            "as_of": ["type": "string", "description": "The day T of the answer."],
            "source": ["type": "string", "enum": ["materialized", "computed"],
                       "description": "Read from the nightly scores, or computed from the events now."],
        ]
        var required: [JSONValue] = ["agency_id", "as_of", "source"]
        if list {
            properties["items"] = ["type": "array", "items": ["type": "object"]]
            properties["total"] = ["type": "integer", "minimum": 0, "description": "Items in the whole list."]
            properties["returned"] = ["type": "integer", "minimum": 0]
            properties["has_more"] = ["type": "boolean", "description": "Whether another page follows."]
            properties["next_cursor"] = ["type": ["string", "null"], "description": "Pass as cursor for the next page; null on the last."]
            required += ["items", "total", "returned", "has_more", "next_cursor"]
        }
        return .object(["type": "object", "properties": .object(properties), "required": .array(required)])
    }
}
