import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

extension ReadTools {
    static let risk: [ReadTool] = [
        ReadTool(name: "list_accounts_at_risk", title: "Accounts at risk", scope: .readAccounts, toolset: "risk",
                 summary: "Paying accounts most likely to churn in the next 90 days, highest churn risk first, with signals (heaviest first), evidence and drivers. Default bands At Risk and Watch. compare_to a past day: who entered, who is still there, who left recovered or churned.",
                 parameters: AccountFilters.parameters(bands: .bands(default: [.atRisk, .watch])) + [.compareTo],
                 isList: true, materialized: true, pageSize: 8,
                 items: ["account": "object", "signals": "array", "drivers": "array", "comparison": "object?"]) { context, call throws(ToolError) in
            try atRisk(context, call)
        },
        ReadTool(name: "list_health_movers", title: "Health movers", scope: .readAccounts, toolset: "risk",
                 summary: "Accounts whose health moved most over the last `days` days (default 7) up to as_of: health then and now, and the components that moved, in health points. direction down: biggest drops; up: rises. Churned accounts are left out unless asked.",
                 parameters: [.days(default: 7, max: 365), .direction] + AccountFilters.parameters(), isList: true, materialized: true, pageSize: 12,
                 items: ToolOutput.accountSummary.merging(["health_then": "number", "band_then": "string", "components_moved": "array"]) { own, _ in own }) { context, call throws(ToolError) in
            try healthMovers(context, call)
        },
        ReadTool(name: "list_inactive_users", title: "Inactive users", scope: .readUsers, toolset: "risk",
                 summary: "Users with no login in the last `days` days (default 30), never-logged-in first, then longest silent. Optionally one account.",
                 parameters: [.days(default: 30), .accountID()], isList: true, materialized: true,
                 items: ["user_id": "string", "account_id": "string", "email": "string", "key_user": "boolean",
                                 "last_login": "string?", "days_since_login": "integer?"]) { context, call throws(ToolError) in
            let days = call.int("days"), analytics = context.analytics(call.asOf)
            // Stored, each row refers to the user's own fields (``StoredReferences``).
            if call.materializing {
                let rows = analytics.inactiveUserRows(agency: call.agency, account: try call.account(context), days: days)
                return list(rows.map { StoredReferences.InactiveUserReference($0, asOf: call.asOf) }, ["days": .int(days)], for: call)
            }
            return list(analytics.inactiveUsers(agency: call.agency, account: try call.account(context), days: days), ["days": .int(days)], for: call)
        },
        ReadTool(name: "list_failed_payments", title: "Failed payments", scope: .readRevenue, toolset: "risk",
                 summary: "Failed payments in the last `days` days (default 30), newest first, each marked recovered when a later payment of the same invoice succeeded.",
                 parameters: [.days(default: 30), .accountID()], isList: true, materialized: true,
                 items: ["account_id": "string", "invoice_id": "string", "amount_cents": "integer", "failed_at": "string",
                                 "recovered": "boolean", "recovered_at": "string?"]) { context, call throws(ToolError) in
            let days = call.int("days")
            let items = context.analytics(call.asOf).failedPayments(agency: call.agency, account: try call.account(context), days: days)
            return list(items, ["days": .int(days), "unrecovered": .int(items.filter { !$0.recovered }.count)], for: call)
        },
        ReadTool(name: "list_upcoming_renewals", title: "Upcoming renewals", scope: .readRevenue, toolset: "risk",
                 summary: "Paying accounts renewing in the `days` days from as_of on (default 30), soonest first, with MRR, health and churn risk. Sort and filter; churned accounts only when asked.",
                 parameters: [.daysAhead(default: 30)] + AccountFilters.parameters(), isList: true, materialized: true,
                 items: ToolOutput.accountSummary.merging(["days_to_renewal": "integer"]) { own, _ in own }) { context, call throws(ToolError) in
            let days = call.int("days")
            let scored = context.scored(agency: call.agency, asOf: call.asOf)
            // Rows are positions in the agency's summaries: no summary is copied to be sorted or filtered.
            let all = context.summaries(agency: call.agency, asOf: call.asOf)
            let position = summaryPositions(all)
            let renewals: [(index: Int, days: Int)] = context.analytics(call.asOf).upcomingRenewals(scored.scores, days: days).compactMap { renewal in
                position[renewal.accountID].map { ($0, renewal.daysToRenewal) }
            }
            let rows = AccountFilters(call.arguments).apply(renewals, { all[$0.index].0 }) { a, b in
                a.days != b.days ? a.days < b.days : all[a.index].0.accountID < all[b.index].0.accountID
            }
            // Stored, a row is its summary by reference and its own field.
            if call.materializing {
                return listPage(.array(rows[pageRange(rows.count, call)].map { row in
                    StoredReferences.withSummary(of: all[row.index].0.accountID) { $0.field("days_to_renewal", row.days) }
                }), total: rows.count, ["days": .int(days)], for: call)
            }
            return accountRows(rows, ["days": .int(days)], for: call) { (all[$0.index].0, ["days_to_renewal": .int($0.days)]) }
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
                guard context.dataset.users.accountKeys[key] == account else {
                    throw ToolError("user \(id) is not a user of account \(context.dataset.accounts[account].accountID) — call search_users with this account_id")
                }
                user = key
            }
            let daily = context.analytics(call.asOf).loginActivity(account: account, user: user, days: days)
            return .object([
                "account_id": .string(context.dataset.accounts[account].accountID),
                "user_id": user.map { .string(context.dataset.users.userID($0)) } ?? .null,
                "days": .int(days),
                "total_logins": .int(daily.reduce(0) { $0 + $1.logins }),
                "daily": JSONValue.encoding(daily),
            ])
        },
    ]
}
