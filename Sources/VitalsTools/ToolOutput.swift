import VitalsJSON
import VitalsStore

/// The results' fields: the shapes several tools share, which scope each
/// field belongs to, and the schemas generated from the tool definitions.
///
/// A field type is `string`, `integer`, `number`, `boolean`, `array` or
/// `object`, with `?` when it may be null.
public enum ToolOutput {
    public static let accountSummary: [String: String] = [
        "account_id": "string", "name": "string", "plan": "string", "priority": "string", "owner_email": "string",
        "renewal_date": "string?", "mrr_cents": "integer", "health": "number", "band": "string", "churn_risk": "number",
        "churned": "boolean", "churned_since": "string?", "health_change": "number?", "signals": "array", "top_signal": "string?",
    ]
    public static let userSummary: [String: String] = [
        "user_id": "string", "account_id": "string", "email": "string", "name": "string", "role": "string", "key_user": "boolean",
        "last_login": "string?", "days_since_login": "integer?",
    ]
    public static let featureUsage: [String: String] = [
        "feature": "string", "uses": "integer", "accounts": "integer", "adoption": "number", "core": "boolean",
    ]

    // MARK: - Scopes per field

    /// The scope each field belongs to, wherever it appears (GoCSM's table:
    /// read:accounts health, risks and adoption; read:users people, emails and
    /// logins; read:revenue money, renewals and payments; read:feedback what
    /// clients said). A field not named here (ids, names, dates, counts of
    /// the tool's own subject) goes with the tool's own scope.
    public static let fieldScopes: [String: Scope] = [
        // read:revenue
        "mrr_cents": .readRevenue, "retention": .readRevenue, "monthly_movements": .readRevenue, "failed_payments_30d": .readRevenue,
        "renewals_30d": .readRevenue, "renewal_date": .readRevenue, "churned_mrr_this_month_cents": .readRevenue, "days_to_renewal": .readRevenue, "amount_cents": .readRevenue,
        "unrecovered": .readRevenue, "recovered": .readRevenue, "recovered_at": .readRevenue, "failed_at": .readRevenue,
        // read:users
        "email": .readUsers, "key_users": .readUsers, "last_login": .readUsers, "days_since_login": .readUsers,
        // read:accounts
        "health": .readAccounts, "band": .readAccounts, "churn_risk": .readAccounts, "signals": .readAccounts, "drivers": .readAccounts,
        "components": .readAccounts, "average_health": .readAccounts, "accounts_by_band": .readAccounts,
        "highest_churn_risk": .readAccounts, "health_trend": .readAccounts, "health_change": .readAccounts, "top_signal": .readAccounts,
        "health_then": .readAccounts, "band_then": .readAccounts, "churn_risk_then": .readAccounts, "components_moved": .readAccounts,
        // read:feedback
        "comment": .readFeedback, "latest_nps": .readFeedback,
        // read:activities (the team's work, where an account's view shows it)
        "open_ctas": .readActivities, "open_cta_count": .readActivities, "active_plan": .readActivities,
        "recent_activities": .readActivities,
    ]

    /// The read scopes; a credential holding all of them sees every field.
    static let readScopes = Set(Scope.reads)

    /// `result` without the fields whose scope `scopes` lacks, at any depth.
    public static func redact(_ result: JSONValue, for scopes: Set<Scope>) -> JSONValue {
        let hidden = Set(fieldScopes.filter { !scopes.contains($0.value) }.keys)
        return hidden.isEmpty ? result : redact(result, hiding: hidden)
    }

    private static func redact(_ value: JSONValue, hiding hidden: Set<String>) -> JSONValue {
        switch value {
        case let .object(fields):
            var kept: [String: JSONValue] = [:]
            kept.reserveCapacity(fields.count)
            for (name, field) in fields where !hidden.contains(name) { kept[name] = redact(field, hiding: hidden) }
            return .object(kept)
        case let .array(items):
            return .array(items.map { redact($0, hiding: hidden) })
        case let .encoded(text):
            return redact(text.value, hiding: hidden)
        default:
            return value
        }
    }

    // MARK: - Schemas

    /// The input schema of a parameter list: every property with its type,
    /// bounds, default and example; no other property allowed.
    public static func inputSchema(_ parameters: [ToolParameter]) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for parameter in parameters { properties[parameter.name] = parameter.schema }
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        let required = parameters.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { schema["required"] = .array(required) }
        return .object(schema)
    }

    /// A field's schema: its type, and for a field of another scope than
    /// the tool's, that a credential without that scope does not get it.
    static func fieldSchema(_ type: String, owner: Scope, name: String) -> JSONValue {
        var schema: [String: JSONValue] = type.hasSuffix("?")
            ? ["type": .array([.string(String(type.dropLast())), "null"])] : ["type": .string(type)]
        if let scope = fieldScopes[name], scope != owner {
            schema["description"] = .string("Present only when the credential has \(scope.rawValue).")
        }
        return .object(schema)
    }

    /// An object whose fields are all present (absent values are explicit
    /// nulls) except those of another scope than `owner`'s, which a credential
    /// without that scope does not get.
    /// - Parameter requiring: false for list items, which `fields` may narrow.
    static func objectSchema(_ fields: [String: String], owner: Scope, requiring: Bool = true) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for (name, type) in fields { properties[name] = fieldSchema(type, owner: owner, name: name) }
        guard requiring else { return ["type": "object", "properties": .object(properties)] }
        let required = fields.keys.filter { fieldScopes[$0].map { $0 == owner } ?? true }.sorted()
        return ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
    }

    /// A read tool's output schema: the envelope, its own fields, and for
    /// lists the page fields and the fields of every item.
    public static func outputSchema(_ tool: ReadTool) -> JSONValue {
        // The envelope (described once, in the server's instructions): the
        // agency, as_of (T, windows count from it), data_through (the latest
        // event day), and source (materialized nightly, or computed now).
        var properties: [String: JSONValue] = [
            "agency_id": ["type": "string"], "as_of": ["type": "string"], "data_through": ["type": "string"],
            "source": ["type": "string", "enum": ["materialized", "computed"]],
        ]
        var required: [String] = ["agency_id", "as_of", "data_through", "source"]
        if tool.isList {
            // Items list every field, but require none: `fields` may narrow them.
            let itemSchema = tool.items.map { objectSchema($0, owner: tool.scope, requiring: false) } ?? ["type": "object"]
            properties["items"] = ["type": "array", "items": itemSchema]
            properties["total"] = ["type": "integer"]
            properties["returned"] = ["type": "integer"]
            properties["has_more"] = ["type": "boolean"]
            properties["next_cursor"] = ["type": ["string", "null"]]
            required += ["items", "total", "returned", "has_more", "next_cursor"]
        }
        for (name, type) in tool.fields {
            properties[name] = fieldSchema(type, owner: tool.scope, name: name)
            if fieldScopes[name].map({ $0 == tool.scope }) ?? true { required.append(name) }
        }
        return ["type": "object", "properties": .object(properties), "required": .array(required.sorted().map(JSONValue.string))]
    }

    /// A write tool's output schema: its fields and `agency_id`.
    public static func outputSchema(_ tool: WriteTool) -> JSONValue {
        objectSchema(tool.fields.merging(["agency_id": "string"]) { own, _ in own }, owner: tool.scope)
    }
}
