import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore
import VitalsTools

/// The dashboard's account page (Gainsight's Customer 360, in one page):
/// what `get_account` says — scores, the health trend, components,
/// signals, drivers, key users — and the account's open CTAs with their
/// tasks (`list_ctas`, `get_cta`), its active success plan
/// (`list_success_plans`) and its timeline (`list_timeline_activities`),
/// with the forms that close a CTA, tick a task and log a note.
enum AccountPage {
    /// Days of health trend the chart shows.
    static let trendDays = 90
    /// Open CTAs and timeline entries shown.
    static let ctaLimit = 20, timelineLimit = 20

    static let outcomes = ["resolved", "renewed", "expanded", "churned", "cancelled"]
    static let activityKinds = ["note", "call", "email", "meeting", "update"]

    static func page(_ reader: ViewReader, accountID: String, links: DashboardLinks) throws(ToolError) -> [String: Any] {
        let answer = try reader.call("get_account", ["account_id": .string(accountID), "days": .int(trendDays)])
        let account = answer["account"] ?? .null, score = answer["score"] ?? .null
        let text = AgencyReport.text, number = AgencyReport.number, percent = AgencyReport.percent
        let weights = reader.context.config.weights
        let components: [(String, Double)] = [("activity", weights.activity), ("recency", weights.recency), ("breadth", weights.breadth),
                                              ("trend", weights.trend), ("payments", weights.payments), ("sentiment", weights.sentiment)]
        var page: [String: Any] = [
            "accountID": accountID, "name": text(account["name"]), "band": text(account["band"]),
            "health": number(account["health"]), "healthChange": number(account["health_change"]),
            "risk": percent(account["churn_risk"]), "mrr": AgencyReport.money(account["mrr_cents"]),
            "accountPlan": text(account["plan"]), "owner": text(account["owner_email"]), "renewal": text(account["renewal_date"]),
            "priority": text(account["priority"]), "churned": account["churned"] == .bool(true),
            "seats": text(answer["seats"]), "users": text(score["users"]), "wau": text(score["wau"]), "mau": text(score["mau"]),
            "daysSinceLogin": text(score["days_since_login"]), "asOf": reader.day.description,
            "trendChart": trendChart(answer["health_trend"]?.arrayValue ?? [], bands: reader.context.config.bands),
            "trendDays": trendDays,
            "components": components.map { name, weight -> [String: Any] in
                let value = score["components"]?[name]?.doubleValue
                return ["component": name, "value": value.map { String(format: "%.2f", $0) } ?? "–",
                        "width": String(format: "%.0f", (value ?? 0) * 100), "weight": String(format: "%.0f%%", weight * 100)]
            },
            "signals": (score["signals"]?.arrayValue ?? []).map { ["signal": text($0["signal"]), "evidence": text($0["evidence"])] },
            "drivers": (score["drivers"]?.arrayValue ?? []).map {
                ["driver": text($0["name"]), "contribution": String(format: "%.3f", $0["contribution"]?.doubleValue ?? 0)]
            },
        ]
        // Mustache looks a name up in the enclosing sections too: a section's values are all set (false, not absent).
        if let users = answer["key_users"]?.arrayValue {
            page["keyUsers"] = ["none": users.isEmpty, "table": users.isEmpty ? false : ["rows": users.map {
                ["name": text($0["name"]), "email": text($0["email"]), "role": text($0["role"]), "lastLogin": text($0["last_login"])]
            }]]
        }
        if reader.may(.readActivities) {
            page["work"] = try work(reader, accountID: accountID, links: links)
        }
        return page
    }

    /// The account's open CTAs with their tasks, its active plan and its timeline, and the forms on them.
    static func work(_ reader: ViewReader, accountID: String, links: DashboardLinks) throws(ToolError) -> [String: Any] {
        let text = AgencyReport.text
        let account: [String: JSONValue] = ["account_id": .string(accountID)]
        let open = try reader.call("list_ctas", account.merging(["limit": .int(ctaLimit)]) { $1 })
        var ctas: [[String: Any]] = []
        for item in open["items"]?.arrayValue ?? [] {
            let id = text(item["cta_id"])
            let cta = try reader.call("get_cta", ["cta_id": .string(id)])
            ctas.append([
                "id": id, "reason": text(cta["reason"]), "type": text(cta["type"]), "priority": text(cta["priority"]),
                "due": text(cta["due_date"]), "overdue": cta["overdue"] == .bool(true), "origin": text(cta["origin"]),
                "owner": text(cta["owner_email"]), "close": links.closeCTA(id),
                "tasks": (cta["tasks"]?.arrayValue ?? []).map { task -> [String: Any] in
                    let taskID = text(task["task_id"])
                    return ["id": taskID, "title": text(task["title"]), "due": text(task["due_date"]), "done": task["done"] == .bool(true),
                            "overdue": task["overdue"] == .bool(true), "complete": links.completeTask(taskID)]
                },
            ])
        }
        let timeline = try reader.call("list_timeline_activities", account.merging(["limit": .int(timelineLimit)]) { $1 })
        var work: [String: Any] = [
            "successPlan": false,
            "ctas": ctas, "ctaTotal": text(open["total"]),
            "outcomes": outcomes, "kinds": activityKinds, "logNote": links.logNote(accountID),
            // The note form's idempotency key, new with each page: posting the same page twice logs one note.
            "noteKey": "dash-" + UUID().uuidString.lowercased(),
            "canWrite": links.canWrite,
            "timeline": (timeline["items"]?.arrayValue ?? []).map {
                ["kind": text($0["kind"]), "when": text($0["occurred_at"]), "author": text($0["author"]),
                 "subject": $0["subject"]?.stringValue ?? "", "body": text($0["body"])]
            },
            "timelineTotal": text(timeline["total"]),
        ]
        // get_account names the active plan; list_success_plans has its objectives.
        if let plan = try reader.call("list_success_plans", account.merging(["limit": 1]) { $1 })["items"]?.arrayValue?.first {
            work["successPlan"] = [
                "title": text(plan["title"]), "status": text(plan["status"]), "owner": text(plan["owner_email"]),
                "achieved": text(plan["objectives_achieved"]),
                "objectives": (plan["objectives"]?.arrayValue ?? []).map {
                    ["title": text($0["title"]), "status": text($0["status"]), "target": text($0["target_date"]), "overdue": $0["overdue"] == .bool(true)]
                },
            ]
        }
        return work
    }

    /// Health day by day as a line, the band thresholds as dashed lines.
    static func trendChart(_ trend: [JSONValue], bands: ScoringConfig.Bands) -> String {
        let points = trend.compactMap { point -> (Int, Double)? in
            guard let day = point["as_of"]?.stringValue.flatMap(CivilTime.parseDate), let health = point["health"]?.doubleValue else { return nil }
            return (day, health)
        }.sorted { $0.0 < $1.0 }
        guard let first = points.first, let last = points.last else { return "<p class=\"note\">No scored days kept yet.</p>" }
        let width = 640.0, height = 180.0, left = 28.0
        let span = Double(max(last.0 - first.0, 1))
        func x(_ day: Int) -> Double { points.count == 1 ? left + (width - left) / 2 : left + (width - left - 8) * Double(day - first.0) / span }
        func y(_ health: Double) -> Double { 8 + (height - 16) * (1 - health / 100) }
        let fmt = AgencyReport.fmt
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height + 24))\" role=\"img\" aria-label=\"Health, day by day\">"
        for (threshold, color) in [(bands.healthy, "#2e8b57"), (bands.watch, "#c0392b")] {
            svg += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(width))\" y1=\"\(fmt(y(threshold)))\" y2=\"\(fmt(y(threshold)))\" stroke=\"\(color)\" stroke-dasharray=\"4 4\" stroke-width=\"1\"/>"
            svg += "<text x=\"0\" y=\"\(fmt(y(threshold) + 4))\" font-size=\"10\">\(Int(threshold))</text>"
        }
        let path = points.map { "\(fmt(x($0.0))),\(fmt(y($0.1)))" }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#1d4f91\" stroke-width=\"2\"/>"
        for (day, health) in points {
            svg += "<circle cx=\"\(fmt(x(day)))\" cy=\"\(fmt(y(health)))\" r=\"\(points.count > 40 ? 1.5 : 3)\" fill=\"#1d4f91\"><title>\(CivilTime.formatDate(days: day)): \(String(format: "%.1f", health))</title></circle>"
        }
        svg += "<text x=\"\(fmt(left))\" y=\"\(Int(height + 18))\" font-size=\"10\">\(CivilTime.formatDate(days: first.0))</text>"
        svg += "<text x=\"\(fmt(width))\" y=\"\(Int(height + 18))\" font-size=\"10\" text-anchor=\"end\">\(CivilTime.formatDate(days: last.0))</text>"
        return svg + "</svg>"
    }
}
