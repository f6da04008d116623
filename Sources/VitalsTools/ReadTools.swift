import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// The read tools of DESIGN.md's MCP surface: the one code path that
/// `vitals query`, `vitals score` (materializing) and the MCP server call.
public enum ReadTools {
    /// Every read tool, in GoCSM's catalogue order.
    public static let all: [ReadTool] = discovery + risk + adoption + login + revenue + attribution + feedback + [feedbackRequests] + actions + work

    public static func named(_ name: String) -> ReadTool? { all.first { $0.name == name } }

    /// Runs tool `name` for `agencyID` with JSON `arguments`, and returns its
    /// structured result: the page asked for, with `total`, `has_more` and
    /// `next_cursor` on lists, `source` saying whether it was read from the
    /// materialized results or computed from the columns, and only the
    /// fields the caller's scopes allow (``ToolOutput/fieldScopes``).
    /// - Parameter scopes: the caller's scopes; nil for a trusted local caller (`vitals query`).
    public static func call(_ name: String, agencyID: String, arguments json: JSONValue?, context: ToolContext,
                            scopes: Set<Scope>? = nil) throws(ToolError) -> JSONValue {
        let (tool, call) = try prepare(name, agencyID: agencyID, arguments: json, source: context, scopes: scopes)
        if let stored = stored(tool, call, source: context) {
            return finish(stored, tool, call, source: "materialized", dataThrough: context.defaultAsOf, scopes: scopes)
        }
        let result = try tool.handler(context, call)
        let source = result.objectValue?["source"] == .string("materialized") ? "materialized" : "computed"
        return finish(result, tool, call, source: source, dataThrough: context.defaultAsOf, scopes: scopes)
    }

    /// ``call(_:agencyID:arguments:context:scopes:)`` when the store's
    /// materialized results answer it: a call that matches a tool's
    /// materialized defaults (paging and `fields` aside) for a day whose
    /// results are kept. Nothing else is read: no event is decoded (`vitals
    /// query` at 100 M events answers in milliseconds, where loading the
    /// columns takes seconds). Nil for any other call, a bad one included:
    /// the caller then loads the dataset and calls, which computes the
    /// answer or says what is wrong.
    public static func storedAnswer(_ name: String, agencyID: String, arguments json: JSONValue?,
                                    answers: StoredAnswers) -> JSONValue? {
        guard let (tool, call) = try? prepare(name, agencyID: agencyID, arguments: json, source: answers, scopes: nil),
              let stored = stored(tool, call, source: answers) else { return nil }
        return finish(stored, tool, call, source: "materialized", dataThrough: answers.defaultAsOf, scopes: nil)
    }

    /// The tool and the call `name` with `json` make, checked: the tool
    /// exists and the scopes allow it, the agency exists, the arguments
    /// are the tool's, and `as_of` is within the data.
    private static func prepare(_ name: String, agencyID: String, arguments json: JSONValue?, source: some MaterializedSource,
                                scopes: Set<Scope>?) throws(ToolError) -> (ReadTool, ToolCall) {
        guard let tool = named(name) else {
            throw ToolError("unknown tool \(name); the read tools are: \(all.map(\.name).joined(separator: ", "))")
        }
        if let scopes, !scopes.contains(tool.scope) {
            throw ToolError("missing scope \(tool.scope.rawValue): this credential was not granted it; use a key (or connection) that includes \(tool.scope.rawValue)")
        }
        guard let agency = source.agencyKey(agencyID) else { throw ToolError("unknown agency \(agencyID)") }
        let arguments = try ToolArguments(json, parameters: tool.allParameters)
        let asOf = arguments.asOf() ?? source.defaultAsOf
        try source.checkAsOf(asOf)
        let page = tool.isList ? try arguments.page() : (0, 0)
        return (tool, ToolCall(agency: agency, agencyID: agencyID, arguments: arguments, asOf: asOf, page: tool.isList ? page : nil))
    }

    /// The stored result of a call that matches its tool's materialized defaults, if the day's results are kept.
    private static func stored(_ tool: ReadTool, _ call: ToolCall, source: some MaterializedSource) -> JSONValue? {
        guard tool.matchesDefaults(call), source.isMaterialized(call.asOf, agency: call.agency) else { return nil }
        return source.materializedResult(asOf: call.asOf, agency: call.agency, tool: tool.name)
    }

    /// A tool's result as callers get it: the call's agency, day and
    /// `data_through`, where it came from, a list's page (with `total`,
    /// `has_more` and `next_cursor`) and `fields`, and only what `scopes` allow.
    private static func finish(_ result: JSONValue, _ tool: ReadTool, _ call: ToolCall, source: String, dataThrough: AsOf,
                               scopes: Set<Scope>?) -> JSONValue {
        guard case var .object(object) = result else { return result }
        object["agency_id"] = .string(call.agencyID)
        object["as_of"] = .string(call.asOf.description)
        object["data_through"] = .string(dataThrough.description)
        object["source"] = .string(source)
        if tool.isList, let (offset, limit) = call.page, case let .array(items)? = object["items"] {
            // A handler that encoded only the page says the whole list's total.
            let paged = object.removeValue(forKey: pagedMarker) != nil
            let total = paged ? (object["total"]?.intValue ?? items.count) : items.count
            let start = paged ? 0 : min(offset, items.count), end = paged ? items.count : min(start + limit, items.count)
            var pageItems = Array(items[start ..< end])
            if let fields = call.arguments.names("fields") {
                pageItems = pageItems.map { item in
                    guard let all = item.objectValue else { return item }
                    return .object(all.filter { fields.contains($0.key) })
                }
            }
            let next = min(offset, total) + pageItems.count
            object["items"] = .array(pageItems)
            object["total"] = .int(total)
            object["returned"] = .int(pageItems.count)
            object["has_more"] = .bool(next < total)
            object["next_cursor"] = next < total ? .string(Cursor.make(offset: next)) : .null
        }
        guard let scopes else { return .object(object) }
        return ToolOutput.redact(.object(object), for: scopes)
    }

    /// The full result of a tool for its materialized defaults (what
    /// `vitals score` stores): a call with no arguments, which reads every
    /// parameter's declared default.
    static func materializedResult(_ tool: ReadTool, agency: Int, agencyID: String, asOf: AsOf, context: ToolContext) throws(ToolError) -> JSONValue {
        let call = ToolCall(agency: agency, agencyID: agencyID, arguments: try ToolArguments(nil, parameters: tool.allParameters), asOf: asOf,
                            materializing: true)
        return try tool.handler(context, call)
    }

    /// Marks a list result whose `items` are already the page asked for.
    static let pagedMarker = "$paged"

    /// A list result: `items` plus extra top-level fields. With a page to
    /// answer, only that page's items are encoded (a list of thousands of
    /// accounts costs its sort, not its JSON), and `total` says how many
    /// there are; without (materializing), every item.
    /// Stored (materializing), the items are one array's text: nothing cuts
    /// a page from it, and it is written into one buffer.
    static func list<Item: Encodable>(_ items: [Item], _ extra: [String: JSONValue] = [:], for call: ToolCall) -> JSONValue {
        if call.materializing { return listPage(JSONValue.encodedArray(items), total: items.count, extra, for: call) }
        let range = pageRange(items.count, call)
        return listPage(JSONValue.encodedItems(items[range]), total: items.count, extra, for: call)
    }

    /// The same for items that write their own text (``JSONTextWritable``).
    static func list<Item: JSONTextWritable>(_ items: [Item], _ extra: [String: JSONValue] = [:], for call: ToolCall) -> JSONValue {
        if call.materializing { return listPage(JSONValue.encodedArray(items), total: items.count, extra, for: call) }
        let range = pageRange(items.count, call)
        return listPage(JSONValue.encodedItems(items[range]), total: items.count, extra, for: call)
    }

    /// The positions of the page a call asks for: all of them when materializing.
    static func pageRange(_ count: Int, _ call: ToolCall) -> Range<Int> {
        guard let (offset, limit) = call.page else { return 0 ..< count }
        let start = min(offset, count)
        return start ..< min(start + limit, count)
    }

    /// A list result whose `items` are the items of ``pageRange(_:_:)`` of
    /// a list of `total`, already encoded.
    static func listPage(_ items: JSONValue, total: Int, _ extra: [String: JSONValue] = [:], for call: ToolCall) -> JSONValue {
        var object = extra
        object["items"] = items
        if call.page != nil {
            object["total"] = .int(total)
            object[pagedMarker] = true
        }
        return .object(object)
    }
}
