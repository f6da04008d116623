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

    /// The optional `account_id`, resolved within the agency.
    func account(_ context: ToolContext) throws(ToolError) -> Int? {
        guard let id = try arguments.string("account_id", example: "acc_00042") else { return nil }
        return try resolveAccount(id, context)
    }

    func requiredAccount(_ context: ToolContext) throws(ToolError) -> Int {
        try resolveAccount(try arguments.requiredString("account_id", example: "acc_00042"), context)
    }

    private func resolveAccount(_ id: String, _ context: ToolContext) throws(ToolError) -> Int {
        guard let key = context.dataset.accountKey(id), context.dataset.accounts[key].agencyKey == agency,
              context.dataset.accounts[key].tracked else { throw .unknownAccount(id) }
        return key
    }

    func user(_ id: String, _ context: ToolContext) throws(ToolError) -> Int {
        guard let key = context.dataset.userKey(id) else { throw .unknownUser(id) }
        let account = context.dataset.accounts[context.dataset.users[key].accountKey]
        guard account.agencyKey == agency, account.tracked else { throw .unknownUser(id) }
        return key
    }

    func days(default fallback: Int, max: Int = 366) throws(ToolError) -> Int {
        try arguments.int("days", default: fallback, range: 1...max, example: "\(fallback)")
    }
}

/// A read tool: its name (GoCSM's), the arguments it takes, and its handler.
public struct ReadTool: Sendable {
    public var name: String
    public var title: String
    /// The scope a credential needs to call it.
    public var scope: Scope
    /// GoCSM's category: discovery, risk, adoption, login, revenue, feedback, actions.
    public var toolset: String
    /// When to use it, for people and models.
    public var summary: String
    /// Argument names besides `as_of` (and `limit`/`cursor` for lists).
    public var arguments: [String]
    /// Whether the result's `items` are paginated.
    public var isList: Bool
    /// The default arguments `vitals score` materializes the result for;
    /// nil: never materialized (account- or query-specific).
    public var materializedDefaults: [String: JSONValue]?
    /// Computes the whole (unpaginated) result.
    public var handler: @Sendable (ToolContext, ToolCall) throws(ToolError) -> JSONValue

    var allowedArguments: Set<String> {
        Set(arguments + ["as_of"] + (isList ? ["limit", "cursor"] : []))
    }

    /// Whether `call`'s arguments are the materialized defaults.
    func matchesDefaults(_ call: ToolCall) -> Bool {
        guard let defaults = materializedDefaults else { return false }
        for (name, value) in call.arguments.values where !["as_of", "limit", "cursor"].contains(name) {
            guard defaults[name] == value else { return false }
        }
        return true
    }
}
