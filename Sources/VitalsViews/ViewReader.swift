import VitalsAnalytics
import VitalsJSON
import VitalsStore
import VitalsTools

/// How a view asks its questions: every number on a page is a read tool's
/// answer (``ReadTools/call``) for one agency and one day, within the
/// caller's scopes (nil: all, as the CLI's `vitals report` runs with the
/// store's owner's rights). So a page says what `vitals query` and the MCP
/// tools say, and a dashboard signed in with a narrow token shows only what
/// that token may read.
public struct ViewReader: Sendable {
    public let context: ToolContext
    public let agencyID: String
    public let day: AsOf
    public let scopes: Set<Scope>?

    /// - Parameter asOf: the day T (default: data_through); a day outside the data is refused as the tools refuse it.
    public init(context: ToolContext, agencyID: String, asOf: AsOf? = nil, scopes: Set<Scope>? = nil) throws(ToolError) {
        guard context.dataset.agencyKey(agencyID) != nil else { throw ToolError("unknown agency \(agencyID)") }
        let day = asOf ?? context.defaultAsOf
        try context.checkAsOf(day)
        self.context = context
        self.agencyID = agencyID
        self.day = day
        self.scopes = scopes
    }

    /// A read tool's structured answer, as of ``day``.
    public func call(_ tool: String, _ arguments: [String: JSONValue] = [:]) throws(ToolError) -> JSONValue {
        var all = arguments
        all["as_of"] = .string(day.description)
        return try ReadTools.call(tool, agencyID: agencyID, arguments: .object(all), context: context, scopes: scopes).deepResolved
    }

    /// The answer, or nil when the caller's scopes do not cover the tool: the page leaves that section out.
    public func ifAllowed(_ tool: String, _ arguments: [String: JSONValue] = [:]) throws(ToolError) -> JSONValue? {
        if let scope = ReadTools.named(tool)?.scope, !may(scope) { return nil }
        return try call(tool, arguments)
    }

    /// Whether the caller may read what `scope` guards (a page leaves out what it may not).
    public func may(_ scope: Scope) -> Bool { scopes?.contains(scope) ?? true }
}
