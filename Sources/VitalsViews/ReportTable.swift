import VitalsAnalytics
import VitalsJSON
import VitalsStore
import VitalsTools

/// A table of the agency page: which tool answers it, with what arguments
/// the page asks for its first rows, and its whole list as CSV (the
/// dashboard's downloads: every row, money in cents, as `vitals query
/// --format csv` writes it).
struct ReportTable: Sendable {
    /// The name in `/dashboard/csv/{name}` and the page's `data-t`.
    let name: String
    let tool: String
    /// The page's arguments: its first rows only.
    let arguments: [String: JSONValue]
    /// `limit` aside, what the CSV keeps of the page's arguments (the CSV has every row).
    var csvArguments: [String: JSONValue] { arguments.filter { $0.key != "limit" } }

    static let atRisk = ReportTable(name: "at_risk", tool: "list_accounts_at_risk", arguments: ["limit": 15])
    static let drops = ReportTable(name: "drops", tool: "list_health_movers", arguments: ["direction": "down", "limit": 10])
    static let features = ReportTable(name: "features", tool: "get_feature_metrics", arguments: ["limit": 12])
    static let featureMovers = ReportTable(name: "feature_movers", tool: "list_feature_metric_movers", arguments: ["limit": 10])
    static let renewals = ReportTable(name: "renewals", tool: "list_upcoming_renewals", arguments: ["days": 30, "limit": 50])
    /// The MRR waterfall's months: not a list tool, but `get_revenue_summary`'s `monthly_movements`.
    static let monthsTable = ReportTable(name: "months", tool: "get_revenue_summary", arguments: [:])

    static let all = [monthsTable, atRisk, drops, features, featureMovers, renewals]

    static func named(_ name: String) -> ReportTable? { all.first { $0.name == name } }

    /// The last 12 months of a revenue summary (the page's waterfall).
    static func months(_ revenue: JSONValue?) -> [JSONValue] {
        Array((revenue?["monthly_movements"]?.arrayValue ?? []).suffix(12))
    }

    /// The table as RFC 4180 CSV: every row the tool has (the page shows the first few).
    func csv(_ reader: ViewReader) throws(ToolError) -> String {
        if name == Self.monthsTable.name {
            // A month's movements are objects ({"cents", "accounts"}): their fields keep the movement's name (`churn.cents`).
            return CSVRenderer.render(items: Self.months(try reader.call(tool)), prefixed: true)
        }
        var arguments = csvArguments
        arguments["as_of"] = .string(reader.day.description)
        let items = try ListPages.allItems(tool, agencyID: reader.agencyID, arguments: arguments, context: reader.context, scopes: reader.scopes)
        return CSVRenderer.render(items: items, declared: ReadTools.named(tool)?.items)
    }
}
