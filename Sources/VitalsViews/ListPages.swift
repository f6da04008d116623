import VitalsJSON
import VitalsStore
import VitalsTools

/// Every item of a list tool's answer, page after page: what `vitals query
/// --format csv` prints and the dashboard's CSV downloads serve.
public enum ListPages {
    /// Items per call: the tools' maximum `limit`.
    public static let size = 200

    /// Calls `tool` with `limit` 200 (unless `arguments` sets one) and follows
    /// `next_cursor` until `has_more` is false; a `cursor` in `arguments` is
    /// where the pages start.
    public static func allItems(_ tool: String, agencyID: String, arguments: [String: JSONValue], context: ToolContext,
                                scopes: Set<Scope>? = nil) throws(ToolError) -> [JSONValue] {
        try allItems(arguments) { page throws(ToolError) in
            try ReadTools.call(tool, agencyID: agencyID, arguments: .object(page), context: context, scopes: scopes)
        }!
    }

    /// The same from any source of pages: `page` answers one call's
    /// arguments, or nil when it cannot (then so does this: a store's
    /// stored answers, say, that a later page no longer finds).
    public static func allItems(_ arguments: [String: JSONValue],
                                page: ([String: JSONValue]) throws(ToolError) -> JSONValue?) throws(ToolError) -> [JSONValue]? {
        var call = arguments
        if call["limit"] == nil { call["limit"] = .int(size) }
        var items: [JSONValue] = []
        while true {
            guard let result = try page(call) else { return nil }
            if case let .array(pageItems)? = result["items"]?.resolved { items += pageItems }
            guard result["has_more"] == .bool(true), case let .string(next)? = result["next_cursor"] else { return items }
            call["cursor"] = .string(next)
        }
    }
}
