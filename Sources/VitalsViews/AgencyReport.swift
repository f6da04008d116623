import Foundation
import Mustache
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore
import VitalsTools

/// `vitals report`: one agency's book of business as one self-contained HTML
/// file (no external asset, font or script; inline SVG charts; prints on
/// A4). Every number comes from a tool's answer (``ReadTools/call``), so the
/// page says what `vitals query` and the MCP tools say.
public enum AgencyReport {
    /// The page for `agencyID` as of `asOf` (default: data_through).
    public static func render(context: ToolContext, agencyID: String, asOf: AsOf? = nil) throws(ToolError) -> String {
        let day = asOf ?? context.defaultAsOf
        func call(_ tool: String, _ arguments: [String: JSONValue] = [:]) throws(ToolError) -> JSONValue {
            var all = arguments
            all["as_of"] = .string(day.description)
            return try ReadTools.call(tool, agencyID: agencyID, arguments: .object(all), context: context)
        }
        let overview = try call("get_agency_overview")
        let revenue = try call("get_revenue_summary")
        let atRisk = try call("list_accounts_at_risk", ["limit": 15])
        let drops = try call("list_health_movers", ["direction": "down", "limit": 10])
        let features = try call("get_feature_metrics", ["limit": 12])
        let featureMovers = try call("list_feature_metric_movers", ["limit": 10])
        let renewals = try call("list_upcoming_renewals", ["days": 30, "limit": 50])
        guard let agency = context.dataset.agencyKey(agencyID) else { throw ToolError("unknown agency \(agencyID)") }
        let weeks = context.weeklyBands(agency: agency, asOf: day, weeks: 12)

        let retention = revenue["retention"]
        let months = Array((revenue["monthly_movements"]?.arrayValue ?? []).suffix(12))
        var risky: [[String: Any]] = []
        for item in atRisk["items"]?.arrayValue ?? [] {
            let account = item["account"] ?? .null
            let id = account["account_id"]?.stringValue ?? ""
            let ctas = (try? call("list_ctas", ["account_id": .string(id), "limit": 3]))?["items"]?.arrayValue ?? []
            risky.append([
                "id": id, "name": text(account["name"]), "band": text(account["band"]), "health": number(account["health"]),
                "risk": percent(account["churn_risk"]), "mrr": money(account["mrr_cents"]),
                "drivers": (item["drivers"]?.arrayValue ?? []).prefix(3).map { text($0["name"]) }.joined(separator: ", "),
                "ctas": ctas.map { ["reason": text($0["reason"]), "due": text($0["due_date"]), "priority": text($0["priority"])] },
            ])
        }
        let page: [String: Any] = [
            "agency": text(overview["agency_name"]), "agencyID": agencyID, "asOf": day.description,
            "dataThrough": text(overview["data_through"]),
            "mrr": money(revenue["mrr_cents"]), "nrr": percent(retention?["nrr"]), "grr": percent(retention?["grr"]),
            "averageHealth": number(overview["average_health"]),
            "healthy": text(overview["accounts_by_band"]?["Healthy"]), "watch": text(overview["accounts_by_band"]?["Watch"]),
            "atRiskCount": text(overview["accounts_by_band"]?["At Risk"]), "churned": text(overview["churned_accounts"]),
            "bandsChart": bandsChart(weeks), "weeksShown": weeks.count,
            "waterfall": waterfall(months),
            "months": months.map { month -> [String: Any] in
                [
                    "month": text(month["month"]), "start": money(month["start_mrr_cents"]), "end": money(month["end_mrr_cents"]),
                    "new": money(month["new"]?["cents"]), "reactivation": money(month["reactivation"]?["cents"]),
                    "expansion": money(month["expansion"]?["cents"]), "contraction": money(month["contraction"]?["cents"]),
                    "churn": money(month["churn"]?["cents"]),
                ]
            },
            "atRisk": risky, "atRiskTotal": text(atRisk["total"]),
            "drops": (drops["items"]?.arrayValue ?? []).map { item -> [String: Any] in
                [
                    "id": text(item["account_id"]), "name": text(item["name"]), "then": number(item["health_then"]),
                    "now": number(item["health"]), "change": number(item["health_change"]),
                    "moved": (item["components_moved"]?.arrayValue ?? []).prefix(3)
                        .map { "\(text($0["component"])) \(number($0["points"]))" }.joined(separator: ", "),
                ]
            },
            "features": (features["items"]?.arrayValue ?? []).map {
                ["feature": text($0["feature"]), "uses": text($0["uses"]), "accounts": text($0["accounts"]), "adoption": percent($0["adoption"])]
            },
            "featureMovers": (featureMovers["items"]?.arrayValue ?? []).map {
                ["feature": text($0["feature"]), "prev": text($0["prev"]), "cur": text($0["cur"]), "change": percent($0["pct_change"])]
            },
            "renewals": (renewals["items"]?.arrayValue ?? []).map {
                ["id": text($0["account_id"]), "name": text($0["name"]), "date": text($0["renewal_date"]), "band": text($0["band"]),
                 "health": number($0["health"]), "mrr": money($0["mrr_cents"])]
            },
            "renewalsTotal": text(renewals["total"]),
        ]
        return library.render(page, withTemplate: "report") ?? ""
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

    // MARK: - The template

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        library.register(try! MustacheTemplate(string: template), named: "report")
        return library
    }()

    static let template = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{agency}} — Vitals report, {{asOf}}</title>
        <style>
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1d2430}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
        .meta,.note{color:#5b6575;font-size:12px}.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
        .kpi{border:1px solid #dde2ea;border-radius:6px;padding:8px 12px;min-width:120px}.kpi b{display:block;font-size:20px}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #eef1f5;vertical-align:top}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.scroll{overflow-x:auto}svg{width:100%;height:auto;max-width:640px}
        .legend span{display:inline-block;margin-right:12px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
        ul.ctas{margin:0;padding-left:16px}
        @media print{@page{size:A4;margin:14mm}body{max-width:none;padding:0}h2{break-after:avoid}tr{break-inside:avoid}}
        </style></head><body>
        <h1>{{agency}} <span class="meta">({{agencyID}})</span></h1>
        <p class="meta">As of {{asOf}} · data through {{dataThrough}} · made by <code>vitals report</code></p>
        <div class="kpis">
        <div class="kpi">MRR<b data-k="mrr">{{mrr}}</b></div>
        <div class="kpi">NRR (12 months)<b data-k="nrr">{{nrr}}</b></div>
        <div class="kpi">GRR (12 months)<b data-k="grr">{{grr}}</b></div>
        <div class="kpi">Average health<b data-k="average_health">{{averageHealth}}</b></div>
        <div class="kpi">Healthy / Watch / At Risk<b><span data-k="healthy">{{healthy}}</span> / <span data-k="watch">{{watch}}</span> / <span data-k="at_risk">{{atRiskCount}}</span></b></div>
        <div class="kpi">Churned<b data-k="churned">{{churned}}</b></div>
        </div>
        <h2>Health by band, week by week</h2>
        <p class="legend"><span><i class="sw" style="background:#2e8b57"></i>Healthy</span><span><i class="sw" style="background:#e0a800"></i>Watch</span><span><i class="sw" style="background:#c0392b"></i>At Risk</span> <span class="note">{{weeksShown}} scored week(s) kept; paying accounts</span></p>
        {{{bandsChart}}}
        <h2>MRR, month by month</h2>
        {{{waterfall}}}
        <div class="scroll"><table data-t="months"><thead><tr><th>Month</th><th class="n">Start</th><th class="n">New</th><th class="n">Reactivation</th><th class="n">Expansion</th><th class="n">Contraction</th><th class="n">Churn</th><th class="n">End</th></tr></thead><tbody>
        {{#months}}<tr><td>{{month}}</td><td class="n">{{start}}</td><td class="n">{{new}}</td><td class="n">{{reactivation}}</td><td class="n">{{expansion}}</td><td class="n">{{contraction}}</td><td class="n">{{churn}}</td><td class="n">{{end}}</td></tr>{{/months}}
        </tbody></table></div>
        <h2>At risk <span class="meta">({{atRiskTotal}} in all; the first 15)</span></h2>
        <div class="scroll"><table data-t="at_risk"><thead><tr><th>Account</th><th>Band</th><th class="n">Health</th><th class="n">Churn risk</th><th class="n">MRR</th><th>Drivers</th><th>Open CTAs</th></tr></thead><tbody>
        {{#atRisk}}<tr><td>{{name}} <span class="meta">{{id}}</span></td><td>{{band}}</td><td class="n">{{health}}</td><td class="n">{{risk}}</td><td class="n">{{mrr}}</td><td>{{drivers}}</td><td><ul class="ctas">{{#ctas}}<li>{{priority}}: {{reason}} (due {{due}})</li>{{/ctas}}</ul></td></tr>{{/atRisk}}
        </tbody></table></div>
        <h2>Biggest health drops, 7 days</h2>
        <div class="scroll"><table data-t="drops"><thead><tr><th>Account</th><th class="n">Then</th><th class="n">Now</th><th class="n">Change</th><th>What moved (health points)</th></tr></thead><tbody>
        {{#drops}}<tr><td>{{name}} <span class="meta">{{id}}</span></td><td class="n">{{then}}</td><td class="n">{{now}}</td><td class="n">{{change}}</td><td>{{moved}}</td></tr>{{/drops}}
        </tbody></table></div>
        <h2>Feature adoption, 30 days</h2>
        <div class="scroll"><table data-t="features"><thead><tr><th>Feature</th><th class="n">Uses</th><th class="n">Accounts</th><th class="n">Adoption</th></tr></thead><tbody>
        {{#features}}<tr><td>{{feature}}</td><td class="n">{{uses}}</td><td class="n">{{accounts}}</td><td class="n">{{adoption}}</td></tr>{{/features}}
        </tbody></table></div>
        <h2>Feature movers, week over week</h2>
        <div class="scroll"><table data-t="feature_movers"><thead><tr><th>Feature</th><th class="n">Last week</th><th class="n">This week</th><th class="n">Change</th></tr></thead><tbody>
        {{#featureMovers}}<tr><td>{{feature}}</td><td class="n">{{prev}}</td><td class="n">{{cur}}</td><td class="n">{{change}}</td></tr>{{/featureMovers}}
        </tbody></table></div>
        <h2>Renewals in the next 30 days <span class="meta">({{renewalsTotal}})</span></h2>
        <div class="scroll"><table data-t="renewals"><thead><tr><th>Account</th><th>Renews</th><th>Band</th><th class="n">Health</th><th class="n">MRR</th></tr></thead><tbody>
        {{#renewals}}<tr><td>{{name}} <span class="meta">{{id}}</span></td><td>{{date}}</td><td>{{band}}</td><td class="n">{{health}}</td><td class="n">{{mrr}}</td></tr>{{/renewals}}
        </tbody></table></div>
        </body></html>
        """
}
