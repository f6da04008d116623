import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// An at-risk account: its summary, the signals' evidence and the churn
/// drivers; with `compare_to`, how its place on the list changed.
struct AtRiskAccount: Encodable {
    var account: AccountSummary
    var signals: [RiskSignalHit]
    var drivers: [ChurnDriver]
    var comparison: Comparison?

    /// Where the account stood on the compared day.
    struct Comparison: Encodable {
        /// entered, still_there, left_recovered or left_churned.
        var status: String
        var bandThen: HealthBand?
        var churnRiskThen: Double?
    }
}

extension ReadTools {
    static let risk: [ReadTool] = [
        ReadTool(name: "list_accounts_at_risk", title: "Accounts at risk", scope: .readAccounts, toolset: "risk",
                 summary: "Paying accounts most likely to churn in the next 90 days, highest churn risk first, with signals (heaviest first), evidence and drivers. Default bands At Risk and Watch. compare_to a past day: who entered, who is still there, who left recovered or churned.",
                 parameters: AccountFilters.parameters(bands: .bands(default: [.atRisk, .watch])) + [.compareTo],
                 isList: true, materialized: true, pageSize: 8,
                 items: ["account": "object", "signals": "array", "drivers": "array", "comparison": "object?"]) { context, call throws(ToolError) in
            let filters = AccountFilters(call.arguments)
            let summaries = context.summaries(agency: call.agency, asOf: call.asOf)
            let ownOrder: ((AccountSummary, AccountRisk), (AccountSummary, AccountRisk)) -> Bool = { a, b in
                if a.1.churnRisk != b.1.churnRisk { return a.1.churnRisk > b.1.churnRisk }
                if a.1.health != b.1.health { return a.1.health < b.1.health }
                return a.0.accountID < b.0.accountID
            }
            let bandsArgument: JSONValue = .array(HealthBand.allCases.filter((filters.bands ?? []).contains).map { .string($0.rawValue) })
            guard let compareTo = call.arguments.date("compare_to") else {
                let items = filters.apply(summaries, \.0, ownOrder: ownOrder)
                    .map { AtRiskAccount(account: $0.0, signals: $0.1.signals, drivers: $0.1.drivers) }
                return list(items, ["bands": bandsArgument])
            }
            guard compareTo < call.asOf else {
                throw .invalid("compare_to", "must be before as_of (\(call.asOf)), got \(compareTo)", example: "2026-10-20")
            }
            try context.checkAsOf(compareTo, argument: "compare_to")
            // On the list then: paying, and kept by the same filters (band as of then).
            let (then, fromHistory) = context.dailyScores(agency: call.agency, day: compareTo)
            var thenFilters = filters
            thenFilters.bands = nil
            var listedThen: [Int: AtRiskAccount.Comparison] = [:]
            for (summary, risk) in summaries {
                guard let position = then.position(of: risk.accountKey), !then.churned(at: position) else { continue }
                let band = then.band(at: position, context.config.bands)
                guard filters.bands?.contains(band) ?? true, thenFilters.keeps(Self.paying(summary)) else { continue }
                listedThen[risk.accountKey] = .init(status: "", bandThen: band, churnRiskThen: then.churnRisk(at: position))
            }
            let listedNow = Set(filters.apply(summaries, \.0, ownOrder: ownOrder).map(\.1.accountKey))
            var items: [AtRiskAccount] = []
            var counts: [String: Int] = ["entered": 0, "still_there": 0, "left_recovered": 0, "left_churned": 0]
            for (summary, risk) in summaries.sorted(by: ownOrder) {
                let wasListed = listedThen[risk.accountKey]
                let status: String
                switch (listedNow.contains(risk.accountKey), wasListed != nil) {
                case (true, true): status = "still_there"
                case (true, false): status = "entered"
                case (false, true): status = risk.churned ? "left_churned" : "left_recovered"
                case (false, false): continue
                }
                counts[status, default: 0] += 1
                items.append(AtRiskAccount(account: summary, signals: risk.signals, drivers: risk.drivers,
                                           comparison: .init(status: status, bandThen: wasListed?.bandThen, churnRiskThen: wasListed?.churnRiskThen)))
            }
            return list(items, ["bands": bandsArgument, "compare_to": .string(compareTo.description),
                                "compared_from": .string(fromHistory ? "history" : "computed"),
                                "comparison": .object(counts.mapValues(JSONValue.int))])
        },
        ReadTool(name: "list_health_movers", title: "Health movers", scope: .readAccounts, toolset: "risk",
                 summary: "Accounts whose health moved most over the last `days` days (default 7) up to as_of: health then and now, and the components that moved, in health points. direction down: biggest drops; up: rises. Churned accounts are left out unless asked.",
                 parameters: [.days(default: 7, max: 365), .direction] + AccountFilters.parameters(), isList: true, materialized: true, pageSize: 12,
                 items: ToolOutput.accountSummary.merging(["health_then": "number", "band_then": "string", "components_moved": "array"]) { own, _ in own }) { context, call throws(ToolError) in
            let days = call.int("days")
            let direction = call.arguments.direction()
            let baseline = AsOf(day: call.asOf.day - days)
            try context.checkAsOf(baseline, argument: "as_of − days")
            let (then, fromHistory) = context.dailyScores(agency: call.agency, day: baseline)
            let weights = context.config.weights
            let weightOf = [weights.activity, weights.recency, weights.breadth, weights.trend, weights.payments, weights.sentiment]
            var moved: [(summary: AccountSummary, change: Double, row: JSONValue)] = []
            for (summary, risk) in context.summaries(agency: call.agency, asOf: call.asOf) {
                guard let position = then.position(of: risk.accountKey) else { continue }
                let change = ((risk.health - then.health(at: position)) * 10).rounded() / 10
                guard change != 0, direction != .up || change > 0, direction != .down || change < 0 else { continue }
                var components: [(name: String, then: Double, now: Double, points: Double)] = []
                for (j, component) in risk.components.named.enumerated() {
                    let before = then.component(j, at: position)
                    let points = ((component.value - before) * weightOf[j] * 1000).rounded() / 10
                    if points != 0 { components.append((component.name, before, (component.value * 10000).rounded() / 10000, points)) }
                }
                components.sort { abs($0.points) != abs($1.points) ? abs($0.points) > abs($1.points) : $0.name < $1.name }
                var withChange = summary
                withChange.healthChange = change
                moved.append((withChange, change, withChange.row([
                    "health_then": .double(then.health(at: position)),
                    "band_then": .string(then.band(at: position, context.config.bands).rawValue),
                    "components_moved": .array(components.map {
                        ["component": .string($0.name), "then": .double($0.then), "now": .double($0.now), "points": .double($0.points)]
                    }),
                ])))
            }
            let items = AccountFilters(call.arguments).apply(moved, \.summary) { a, b in
                let ka = direction == .both ? abs(a.change) : direction == .up ? a.change : -a.change
                let kb = direction == .both ? abs(b.change) : direction == .up ? b.change : -b.change
                return ka != kb ? ka > kb : a.summary.accountID < b.summary.accountID
            }.map(\.row)
            return .object(["items": .array(items), "days": .int(days), "direction": .string(direction.rawValue),
                            "compared_to": .string(baseline.description), "compared_from": .string(fromHistory ? "history" : "computed")])
        },
        ReadTool(name: "list_inactive_users", title: "Inactive users", scope: .readUsers, toolset: "risk",
                 summary: "Users with no login in the last `days` days (default 30), never-logged-in first, then longest silent. Optionally one account.",
                 parameters: [.days(default: 30), .accountID()], isList: true, materialized: true,
                 items: ["user_id": "string", "account_id": "string", "email": "string", "key_user": "boolean",
                                 "last_login": "string?", "days_since_login": "integer?"]) { context, call throws(ToolError) in
            let days = call.int("days")
            let items = context.analytics(call.asOf).inactiveUsers(agency: call.agency, account: try call.account(context), days: days)
            return list(items, ["days": .int(days)])
        },
        ReadTool(name: "list_failed_payments", title: "Failed payments", scope: .readRevenue, toolset: "risk",
                 summary: "Failed payments in the last `days` days (default 30), newest first, each marked recovered when a later payment of the same invoice succeeded.",
                 parameters: [.days(default: 30), .accountID()], isList: true, materialized: true,
                 items: ["account_id": "string", "invoice_id": "string", "amount_cents": "integer", "failed_at": "string",
                                 "recovered": "boolean", "recovered_at": "string?"]) { context, call throws(ToolError) in
            let days = call.int("days")
            let items = context.analytics(call.asOf).failedPayments(agency: call.agency, account: try call.account(context), days: days)
            return list(items, ["days": .int(days), "unrecovered": .int(items.filter { !$0.recovered }.count)])
        },
        ReadTool(name: "list_upcoming_renewals", title: "Upcoming renewals", scope: .readRevenue, toolset: "risk",
                 summary: "Paying accounts renewing in the `days` days from as_of on (default 30), soonest first, with MRR, health and churn risk. Sort and filter; churned accounts only when asked.",
                 parameters: [.daysAhead(default: 30)] + AccountFilters.parameters(), isList: true, materialized: true,
                 items: ToolOutput.accountSummary.merging(["days_to_renewal": "integer"]) { own, _ in own }) { context, call throws(ToolError) in
            let days = call.int("days")
            let scored = context.scored(agency: call.agency, asOf: call.asOf)
            let summaries = Dictionary(uniqueKeysWithValues: context.summaries(agency: call.agency, asOf: call.asOf).map { ($0.0.accountID, $0.0) })
            let renewals: [(summary: AccountSummary, days: Int)] = context.analytics(call.asOf).upcomingRenewals(scored.scores, days: days).compactMap {
                guard let summary = summaries[$0.accountID] else { return nil }
                return (summary, $0.daysToRenewal)
            }
            let items = AccountFilters(call.arguments).apply(renewals, \.summary) { a, b in
                a.days != b.days ? a.days < b.days : a.summary.accountID < b.summary.accountID
            }.map { $0.summary.row(["days_to_renewal": .int($0.days)]) }
            return .object(["items": .array(items), "days": .int(days)])
        },
    ]

    static let login: [ReadTool] = [
        ReadTool(name: "get_login_activity", title: "Login activity", scope: .readUsers, toolset: "login",
                 summary: "Logins per day (and distinct users per day) of one account, or of one of its users, over the last `days` days (default 30).",
                 parameters: [.accountID(required: true), .userID(), .days(default: 30)], isList: false, materialized: false,
                 fields: ["account_id": "string", "user_id": "string?", "days": "integer", "total_logins": "integer", "daily": "array"]) { context, call throws(ToolError) in
            let account = try call.requiredAccount(context)
            let days = call.int("days")
            var user: Int?
            if let id = call.arguments.string("user_id") {
                let key = try call.user(id, context)
                guard context.dataset.users[key].accountKey == account else {
                    throw ToolError("user \(id) is not a user of account \(context.dataset.accounts[account].accountID) — call search_users with this account_id")
                }
                user = key
            }
            let daily = context.analytics(call.asOf).loginActivity(account: account, user: user, days: days)
            return .object([
                "account_id": .string(context.dataset.accounts[account].accountID),
                "user_id": user.map { .string(context.dataset.users[$0].userID) } ?? .null,
                "days": .int(days),
                "total_logins": .int(daily.reduce(0) { $0 + $1.logins }),
                "daily": JSONValue.encoding(daily),
            ])
        },
    ]
}

extension ReadTools {
    /// A summary as it would be filtered for the list of a past day: every
    /// filter but the band (judged on the day's own band) and churned.
    static func paying(_ summary: AccountSummary) -> AccountSummary {
        var paying = summary
        paying.churned = false
        return paying
    }
}
