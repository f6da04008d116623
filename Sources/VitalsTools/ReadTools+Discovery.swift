import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

extension ReadTools {
    static let discovery: [ReadTool] = [
        ReadTool(name: "list_tracked_accounts", title: "List tracked accounts", scope: .readAccounts, toolset: "discovery",
                 summary: "All tracked accounts of the agency with health, band, churn risk and MRR. Use to browse; filter by bands.",
                 parameters: [.bands()], isList: true, materialized: true,
                 items: ToolOutput.accountSummary) { context, call throws(ToolError) in
            let bands = call.arguments.bands()
            let items = context.summaries(agency: call.agency, asOf: call.asOf).map(\.0)
                .filter { bands?.contains($0.band) ?? true }
                .sorted { $0.accountID < $1.accountID }
            return list(items)
        },
        ReadTool(name: "search_accounts", title: "Search accounts", scope: .readAccounts, toolset: "discovery",
                 summary: "Find tracked accounts by id, name or owner email (case-insensitive substring). Use to get an account_id.",
                 parameters: [.query], isList: true, materialized: false,
                 items: ToolOutput.accountSummary) { context, call throws(ToolError) in
            let query = call.arguments.requiredString("query").lowercased()
            let items = context.summaries(agency: call.agency, asOf: call.asOf).map(\.0).filter {
                $0.accountID.lowercased().contains(query) || $0.name.lowercased().contains(query) || $0.ownerEmail.lowercased().contains(query)
            }.sorted { $0.accountID < $1.accountID }
            return list(items, ["query": .string(query)])
        },
        ReadTool(name: "get_account", title: "Get account", scope: .readAccounts, toolset: "discovery",
                 summary: "One account in full: health with its six components, risk signals with evidence, churn risk with drivers, key users, and the health trend over the scored days.",
                 parameters: [.accountID(required: true)], isList: false, materialized: false,
                 fields: ["account": "object", "score": "object", "seats": "integer?", "key_users": "array", "health_trend": "array"]) { context, call throws(ToolError) in
            let account = try call.requiredAccount(context)
            guard let (risk, materialized) = context.risk(of: account, agency: call.agency, asOf: call.asOf) else {
                throw ToolError.unknownAccount(context.dataset.accounts[account].accountID)
            }
            let record = context.dataset.accounts[account]
            let analytics = context.analytics(call.asOf)
            let trend = (try? context.store.healthHistory(accountKey: account, throughDay: call.asOf.day)) ?? []
            var object: [String: JSONValue] = [
                "account": JSONValue.encoding(AccountSummary(risk, record)),
                "score": JSONValue.encoding(risk),
                "seats": record.seats.map { .int($0) } ?? .null,
                "key_users": JSONValue.encoding(context.index.usersOfAccount[account]
                    .filter { context.dataset.users[$0].keyUser }.map { UserSummary($0, analytics) }),
                "health_trend": .array(trend.map {
                    .object(["as_of": .string(CivilTime.formatDate(days: $0.day)), "health": .double($0.health),
                             "band": .string($0.band), "churn_risk": .double($0.churnRisk)])
                }),
            ]
            if case var .object(score)? = object["score"] { score["account_key"] = nil; object["score"] = .object(score) }
            if materialized { object["source"] = .string("materialized") }
            return .object(object)
        },
        ReadTool(name: "search_users", title: "Search users", scope: .readUsers, toolset: "discovery",
                 summary: "Find users of tracked accounts by id, email or name (case-insensitive substring), optionally within one account.",
                 parameters: [.query, .accountID()], isList: true, materialized: false,
                 items: ToolOutput.userSummary) { context, call throws(ToolError) in
            let query = call.arguments.requiredString("query").lowercased()
            let analytics = context.analytics(call.asOf)
            let accounts = try call.account(context).map { [$0] } ?? context.index.trackedAccounts[call.agency]
            var items: [UserSummary] = []
            for account in accounts {
                for user in context.index.usersOfAccount[account] {
                    let record = context.dataset.users[user]
                    if record.userID.lowercased().contains(query) || record.email.lowercased().contains(query) || record.name.lowercased().contains(query) {
                        items.append(UserSummary(user, analytics))
                    }
                }
            }
            items.sort { $0.userID < $1.userID }
            return list(items, ["query": .string(query)])
        },
        ReadTool(name: "get_user", title: "Get user", scope: .readUsers, toolset: "discovery",
                 summary: "One user: account, role, key-user flag, last login and logins per day over the last 30 days.",
                 parameters: [.userID(required: true)], isList: false, materialized: false,
                 fields: ["user": "object", "logins_last_30_days": "integer", "active_days_last_30_days": "integer"]) { context, call throws(ToolError) in
            let user = try call.user(call.arguments.requiredString("user_id"), context)
            let analytics = context.analytics(call.asOf)
            let days = analytics.loginActivity(account: context.dataset.users[user].accountKey, user: user, days: 30)
            return .object([
                "user": JSONValue.encoding(UserSummary(user, analytics)),
                "logins_last_30_days": .int(days.reduce(0) { $0 + $1.logins }),
                "active_days_last_30_days": .int(days.filter { $0.logins > 0 }.count),
            ])
        },
        ReadTool(name: "get_agency_overview", title: "Agency overview", scope: .readAccounts, toolset: "discovery",
                 summary: "The agency at a glance: accounts by band, MRR, NRR/GRR over the last year, at-risk accounts, failed payments and renewals in the next 30 days. Start here.",
                 parameters: [], isList: false, materialized: true,
                 fields: ["agency_name": "string", "tracked_accounts": "integer", "paying_accounts": "integer",
                                  "accounts_by_band": "object", "average_health": "number?", "mrr_cents": "integer", "retention": "object",
                                  "failed_payments_30d": "integer", "renewals_30d": "integer", "highest_churn_risk": "array"]) { context, call throws(ToolError) in
            let analytics = context.analytics(call.asOf)
            let scored = context.scored(agency: call.agency, asOf: call.asOf)
            let risks = scored.risks
            var bands: [String: JSONValue] = [:]
            for band in HealthBand.allCases { bands[band.rawValue] = .int(risks.filter { $0.band == band }.count) }
            let mrr = risks.reduce(Int64(0)) { $0 + $1.mrrCents }
            let healths = risks.map(\.health)
            let topRisks = context.summaries(agency: call.agency, asOf: call.asOf)
                .filter { !$0.1.churned }
                .sorted { $0.1.churnRisk != $1.1.churnRisk ? $0.1.churnRisk > $1.1.churnRisk : $0.0.accountID < $1.0.accountID }
                .prefix(5).map(\.0)
            return .object([
                "agency_name": .string(context.dataset.agencies[call.agency].name),
                "tracked_accounts": .int(risks.count),
                "paying_accounts": .int(risks.filter { $0.mrrCents > 0 }.count),
                "accounts_by_band": .object(bands),
                "average_health": healths.isEmpty ? .null : .double((healths.reduce(0, +) / Double(healths.count) * 10).rounded() / 10),
                "mrr_cents": .int(Int(mrr)),
                "retention": JSONValue.encoding(analytics.retention(agency: call.agency)),
                "failed_payments_30d": .int(analytics.failedPayments(agency: call.agency, days: 30).count),
                "renewals_30d": .int(analytics.upcomingRenewals(scored.scores, days: 30).count),
                "highest_churn_risk": JSONValue.encoding(Array(topRisks)),
            ])
        },
    ]
}
