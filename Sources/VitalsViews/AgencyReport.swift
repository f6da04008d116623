import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore
import VitalsTools

/// One agency's book of business: `vitals report` writes it as one
/// self-contained HTML file (no external asset, font or script; inline SVG
/// charts; prints on A4), and the dashboard's agency page shows the same
/// sections with links to the accounts and CSV downloads of the tables.
/// Every number comes from a tool's answer (``ViewReader``), so the page
/// says what `vitals query` and the MCP tools say.
public enum AgencyReport {
    /// The report file for `agencyID` as of `asOf` (default: data_through).
    public static func render(context: ToolContext, agencyID: String, asOf: AsOf? = nil) throws(ToolError) -> String {
        let reader = try ViewReader(context: context, agencyID: agencyID, asOf: asOf)
        return Templates.render(try page(reader, links: nil), "report")
    }

    /// The page's values (the `agency` template's), from the tools' answers.
    /// With `links` (the dashboard), account names link to their pages and
    /// each table offers its CSV. A section whose tool the caller's scopes
    /// do not cover is left out.
    static func page(_ reader: ViewReader, links: DashboardLinks?) throws(ToolError) -> [String: Any] {
        let overview = try reader.call("get_agency_overview")
        let revenue = try reader.ifAllowed("get_revenue_summary")
        let atRisk = try reader.ifAllowed(ReportTable.atRisk.tool, ReportTable.atRisk.arguments)
        let drops = try reader.ifAllowed(ReportTable.drops.tool, ReportTable.drops.arguments)
        let features = try reader.ifAllowed(ReportTable.features.tool, ReportTable.features.arguments)
        let featureMovers = try reader.ifAllowed(ReportTable.featureMovers.tool, ReportTable.featureMovers.arguments)
        let renewals = try reader.ifAllowed(ReportTable.renewals.tool, ReportTable.renewals.arguments)
        let agency = reader.context.dataset.agencyKey(reader.agencyID) ?? 0
        let weeks = reader.context.weeklyBands(agency: agency, asOf: reader.day, weeks: 12)
        let href = { (id: String) -> Any in links?.account(id) ?? false }

        let retention = revenue?["retention"]
        let months = ReportTable.months(revenue)
        var risky: [[String: Any]] = []
        for item in atRisk?["items"]?.arrayValue ?? [] {
            let account = item["account"] ?? .null
            let id = account["account_id"]?.stringValue ?? ""
            let ctas = try reader.ifAllowed("list_ctas", ["account_id": .string(id), "limit": 3])?["items"]?.arrayValue ?? []
            risky.append([
                "id": id, "href": href(id), "name": text(account["name"]), "band": text(account["band"]),
                "health": number(account["health"]), "risk": percent(account["churn_risk"]), "mrr": money(account["mrr_cents"]),
                "drivers": (item["drivers"]?.arrayValue ?? []).prefix(3).map { text($0["name"]) }.joined(separator: ", "),
                "ctas": ctas.map { ["reason": text($0["reason"]), "due": text($0["due_date"]), "priority": text($0["priority"])] },
            ])
        }
        var page: [String: Any] = [
            "agency": text(overview["agency_name"]), "agencyID": reader.agencyID, "asOf": reader.day.description,
            "dataThrough": text(overview["data_through"]),
            "averageHealth": number(overview["average_health"]),
            "healthy": text(overview["accounts_by_band"]?["Healthy"]), "watch": text(overview["accounts_by_band"]?["Watch"]),
            "atRiskCount": text(overview["accounts_by_band"]?["At Risk"]), "churned": text(overview["churned_accounts"]),
            "bandsChart": bandsChart(weeks), "weeksShown": weeks.count,
        ]
        if let revenue {
            page["revenue"] = true
            page["mrr"] = money(revenue["mrr_cents"])
            page["nrr"] = percent(retention?["nrr"])
            page["grr"] = percent(retention?["grr"])
            page["waterfall"] = waterfall(months)
            page["months"] = months.map { month -> [String: Any] in
                [
                    "month": text(month["month"]), "start": money(month["start_mrr_cents"]), "end": money(month["end_mrr_cents"]),
                    "new": money(month["new"]?["cents"]), "reactivation": money(month["reactivation"]?["cents"]),
                    "expansion": money(month["expansion"]?["cents"]), "contraction": money(month["contraction"]?["cents"]),
                    "churn": money(month["churn"]?["cents"]),
                ]
            }
        }
        if let atRisk {
            page["atRisk"] = ["rows": risky, "total": text(atRisk["total"])]
        }
        if let drops {
            page["drops"] = ["rows": (drops["items"]?.arrayValue ?? []).map { item -> [String: Any] in
                let id = text(item["account_id"])
                return [
                    "id": id, "href": href(id), "name": text(item["name"]), "then": number(item["health_then"]),
                    "now": number(item["health"]), "change": number(item["health_change"]),
                    "moved": (item["components_moved"]?.arrayValue ?? []).prefix(3)
                        .map { "\(text($0["component"])) \(number($0["points"]))" }.joined(separator: ", "),
                ]
            }]
        }
        if let features {
            page["features"] = ["rows": (features["items"]?.arrayValue ?? []).map {
                ["feature": text($0["feature"]), "uses": text($0["uses"]), "accounts": text($0["accounts"]), "adoption": percent($0["adoption"])]
            }]
        }
        if let featureMovers {
            page["featureMovers"] = ["rows": (featureMovers["items"]?.arrayValue ?? []).map {
                ["feature": text($0["feature"]), "prev": text($0["prev"]), "cur": text($0["cur"]), "change": percent($0["pct_change"])]
            }]
        }
        if let renewals {
            page["renewals"] = ["total": text(renewals["total"]), "rows": (renewals["items"]?.arrayValue ?? []).map { item -> [String: Any] in
                let id = text(item["account_id"])
                return ["id": id, "href": href(id), "name": text(item["name"]), "date": text(item["renewal_date"]),
                        "band": text(item["band"]), "health": number(item["health"]), "mrr": money(item["mrr_cents"])]
            }]
        }
        if let links {
            page["csv"] = Dictionary(uniqueKeysWithValues: ReportTable.all.map { ($0.name, links.csv($0.name)) })
        }
        return page
    }

    // MARK: - Formatting: the page's numbers, from the tools' values

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case let .string(s)?: s
        case let .int(n)?: String(n)
        case let .double(d)?: String(d)
        case let .encoded(e)?: text(e.value)
        default: "–"
        }
    }

    /// Cents as dollars: `$8,849.00` (as the CLI's tables show money).
    static func money(_ value: JSONValue?) -> String {
        guard let cents = value?.intValue else { return "–" }
        return formatMoney(cents: cents)
    }

    /// A ratio as a percentage with one decimal: `100.8%`.
    static func percent(_ value: JSONValue?) -> String {
        guard let ratio = value?.doubleValue else { return "–" }
        return String(format: "%.1f%%", ratio * 100)
    }

    /// One decimal, as the tools round health.
    static func number(_ value: JSONValue?) -> String {
        guard let n = value?.doubleValue else { return "–" }
        return String(format: "%.1f", n)
    }

    // MARK: - Charts (inline SVG)

    /// Stacked bars, one per scored week: At Risk at the bottom, then Watch, then Healthy.
    static func bandsChart(_ weeks: [(day: Int, counts: [HealthBand: Int])]) -> String {
        guard !weeks.isEmpty else { return "<p class=\"note\">No scored weeks kept yet.</p>" }
        let width = 640.0, height = 200.0, gap = 8.0
        let barWidth = (width - gap * Double(weeks.count + 1)) / Double(weeks.count)
        let most = Double(weeks.map { $0.counts.values.reduce(0, +) }.max() ?? 1)
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height + 30))\" role=\"img\" aria-label=\"Accounts by band, week by week\">"
        for (i, week) in weeks.enumerated() {
            let x = gap + Double(i) * (barWidth + gap)
            var y = height
            for (band, color) in [(HealthBand.atRisk, "#c0392b"), (.watch, "#e0a800"), (.healthy, "#2e8b57")] {
                let count = week.counts[band] ?? 0
                let h = most > 0 ? height * Double(count) / most : 0
                y -= h
                svg += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(h))\" fill=\"\(color)\"><title>\(CivilTime.formatDate(days: week.day)): \(count) \(band.rawValue)</title></rect>"
            }
            svg += "<text x=\"\(fmt(x + barWidth / 2))\" y=\"\(Int(height + 16))\" text-anchor=\"middle\" font-size=\"10\">\(CivilTime.formatDate(days: week.day).suffix(5))</text>"
        }
        return svg + "</svg>"
    }

    /// The MRR waterfall: each month a floating bar from its start MRR to its end MRR (green up, red down).
    static func waterfall(_ months: [JSONValue]) -> String {
        let points = months.compactMap { m -> (String, Int, Int)? in
            guard let start = m["start_mrr_cents"]?.intValue, let end = m["end_mrr_cents"]?.intValue else { return nil }
            return (text(m["month"]), start, end)
        }
        guard !points.isEmpty else { return "<p class=\"note\">No MRR history.</p>" }
        let width = 640.0, height = 200.0, gap = 8.0
        let barWidth = (width - gap * Double(points.count + 1)) / Double(points.count)
        let top = Double(points.map { max($0.1, $0.2) }.max() ?? 1), low = Double(points.map { min($0.1, $0.2) }.min() ?? 0) * 0.9
        let span = max(top - low, 1)
        func y(_ cents: Int) -> Double { height - height * (Double(cents) - low) / span }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height + 30))\" role=\"img\" aria-label=\"MRR month by month\">"
        for (i, (month, start, end)) in points.enumerated() {
            let x = gap + Double(i) * (barWidth + gap)
            let y0 = min(y(start), y(end)), h = max(abs(y(start) - y(end)), 1)
            svg += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y0))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(h))\" fill=\"\(end >= start ? "#2e8b57" : "#c0392b")\"><title>\(month): \(money(.int(start))) → \(money(.int(end)))</title></rect>"
            svg += "<text x=\"\(fmt(x + barWidth / 2))\" y=\"\(Int(height + 16))\" text-anchor=\"middle\" font-size=\"10\">\(month.suffix(5))</text>"
        }
        return svg + "</svg>"
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
}
