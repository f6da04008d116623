import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// An at-risk account: its summary, the signals' evidence and the churn drivers.
struct AtRiskAccount: Encodable {
    var account: AccountSummary
    var signals: [RiskSignalHit]
    var drivers: [ChurnDriver]
}

extension ReadTools {
    static let risk: [ReadTool] = [
        ReadTool(name: "list_accounts_at_risk", title: "Accounts at risk", scope: .readAccounts, toolset: "risk",
                 summary: "Paying accounts most likely to churn in the next 90 days, highest churn risk first, each with its signals' evidence and the drivers of its risk. Default bands: At Risk and Watch. Already churned accounts (MRR 0) are left out: list_tracked_accounts shows them.",
                 parameters: [.bands(default: [.atRisk, .watch])], isList: true, materialized: true,
                 items: ["account": "object", "signals": "array", "drivers": "array"]) { context, call throws(ToolError) in
            let bands = call.arguments.bands() ?? [.atRisk, .watch]
            let items = context.summaries(agency: call.agency, asOf: call.asOf)
                .filter { bands.contains($0.1.band) && !$0.1.churned }
                .sorted { a, b in
                    if a.1.churnRisk != b.1.churnRisk { return a.1.churnRisk > b.1.churnRisk }
                    if a.1.health != b.1.health { return a.1.health < b.1.health }
                    return a.0.accountID < b.0.accountID
                }
                .map { AtRiskAccount(account: $0.0, signals: $0.1.signals, drivers: $0.1.drivers) }
            return list(items, ["bands": .array(HealthBand.allCases.filter(bands.contains).map { .string($0.rawValue) })])
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
                 summary: "Accounts renewing in the next `days` days (default 30), soonest first, with MRR and health; filter by min_mrr_cents and bands.",
                 parameters: [.daysAhead(default: 30), .minMRRCents, .bands()], isList: true, materialized: true,
                 items: ["account_id": "string", "name": "string", "renewal_date": "string", "days_to_renewal": "integer",
                                 "mrr_cents": "integer", "health": "number", "band": "string"]) { context, call throws(ToolError) in
            let days = call.int("days")
            let minimum = call.arguments.int("min_mrr_cents").map(Int64.init)
            let scored = context.scored(agency: call.agency, asOf: call.asOf)
            let items = context.analytics(call.asOf).upcomingRenewals(scored.scores, days: days, minMRRCents: minimum, bands: call.arguments.bands())
            return list(items, ["days": .int(days)])
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
