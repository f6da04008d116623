import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// One call of a read tool: the agency it is scoped to, its arguments and T.
public struct ToolCall: Sendable {
    public var agency: Int
    public var agencyID: String
    public var arguments: ToolArguments
    public var asOf: AsOf
    /// The page asked for (offset, limit): a list handler encodes only these
    /// items (``ReadTools/list(_:_:for:)``); nil when `vitals score`
    /// materializes the whole list.
    public var page: (offset: Int, limit: Int)? = nil
    /// Whether `vitals score` is materializing this call's result: a list
    /// whose rows repeat what the day's other stored results hold writes
    /// references to it instead (``StoredReferences``).
    public var materializing = false

    /// The optional `account_id`, resolved within the agency.
    func account(_ context: ToolContext) throws(ToolError) -> Int? {
        guard let id = arguments.string("account_id") else { return nil }
        return try resolveAccount(id, context)
    }

    func requiredAccount(_ context: ToolContext) throws(ToolError) -> Int {
        try resolveAccount(arguments.requiredString("account_id"), context)
    }

    private func resolveAccount(_ id: String, _ context: ToolContext) throws(ToolError) -> Int {
        guard let key = context.dataset.accountKey(id), context.dataset.accounts[key].agencyKey == agency,
              context.dataset.accounts[key].tracked else { throw .unknownAccount(id) }
        return key
    }

    func user(_ id: String, _ context: ToolContext) throws(ToolError) -> Int {
        guard let key = context.dataset.userKey(id) else { throw .unknownUser(id) }
        let account = context.dataset.accounts[context.dataset.users.accountKeys[key]]
        guard account.agencyKey == agency, account.tracked else { throw .unknownUser(id) }
        return key
    }

    /// An integer argument or its declared default (bounds were checked on arrival).
    func int(_ name: String) -> Int { arguments.int(name) ?? 0 }
}

/// A read tool, declared once: its name (GoCSM's), title, scope, what it
/// is for, its parameters, the fields of its result and its handler. The
/// MCP definition (input and output schemas), the argument checks and
/// `vitals query` all come from this one value.
public struct ReadTool: Sendable {
    public var name: String
    public var title: String
    /// The scope a credential needs to call it.
    public var scope: Scope
    /// GoCSM's category: discovery, risk, adoption, login, revenue, feedback, actions.
    public var toolset: String
    /// When to use it, for people and models.
    public var summary: String
    /// Its own parameters; `as_of` (and `limit`/`cursor` for lists) are added.
    public var parameters: [ToolParameter]
    /// Whether the result's `items` are paginated.
    public var isList: Bool
    /// Whether `vitals score` materializes its result for the declared defaults.
    public var materialized: Bool
    /// The default `limit` of a list: a default page stays near 10 KB.
    public var pageSize = 20
    /// The fields of each item of a list (name → type, see ``ToolOutput``).
    public var items: [String: String]? = nil
    /// The result's own top-level fields besides the envelope.
    public var fields: [String: String] = [:]
    /// Computes the whole (unpaginated) result.
    public var handler: @Sendable (ToolContext, ToolCall) throws(ToolError) -> JSONValue

    /// Every parameter a call may pass.
    public var allParameters: [ToolParameter] {
        parameters + [.asOf] + (isList ? [.limit(default: pageSize), .cursor, .fields(Array((items ?? [:]).keys))] : [])
    }

    /// The arguments `vitals score` materializes the result for (the
    /// declared defaults); nil: never materialized (account- or query-specific).
    public var materializedDefaults: [String: JSONValue]? {
        guard materialized else { return nil }
        var defaults: [String: JSONValue] = [:]
        for parameter in parameters { if let value = parameter.defaultValue { defaults[parameter.name] = value } }
        return defaults
    }

    /// Whether `call`'s arguments are the materialized defaults.
    func matchesDefaults(_ call: ToolCall) -> Bool {
        guard let defaults = materializedDefaults else { return false }
        for (name, value) in call.arguments.values where !["as_of", "limit", "cursor", "fields"].contains(name) {
            guard defaults[name] == value else { return false }
        }
        return true
    }
}
