import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

extension ReadTools {
    static let discovery: [ReadTool] = [
        ReadTool(name: "list_tracked_accounts", title: "List tracked accounts", scope: .readAccounts, toolset: "discovery",
                 summary: "Browse the agency's tracked accounts (churned ones too, marked churned): health, band, churn risk, MRR, 7-day health change. Sort and filter.",
                 parameters: AccountFilters.parameters(churned: .churned), isList: true, materialized: true,
                 items: ToolOutput.accountSummary) { context, call throws(ToolError) in
            let filters = AccountFilters(call.arguments)
            let rows = context.summaries(agency: call.agency, asOf: call.asOf)
            // Positions sorted by ids read once: a comparison copies no row.
            let ids = rows.map(\.0.accountID)
            let listed = filters.apply(Array(rows.indices), { rows[$0].0 }) { ids[$0] < ids[$1] }
            let page = listed[pageRange(listed.count, call)]
            // Stored, a row is its account by key and its health change, written into one buffer: a read
            // makes the summary again from the account's stored detail and row (``StoredReferences``).
            if call.materializing {
                return listPage(JSONValue.writtenArray(page) { json, n in
                    StoredReferences.writeTrackedRow(&json, accountKey: rows[n].1.accountKey, healthChange: rows[n].0.healthChange)
                }, total: listed.count, for: call)
            }
            let encoded = context.encodedSummaries(agency: call.agency, asOf: call.asOf)
            return listPage(.array(page.map { .encoded(encoded[$0].text) }), total: listed.count, for: call)
        },
        ReadTool(name: "search_accounts", title: "Search accounts", scope: .readAccounts, toolset: "discovery",
                 summary: "Find tracked accounts by id, name or owner email: each word matches a word's start, ignoring case, accents and punctuation. Use to get an account_id.",
                 parameters: [.query, .churned], isList: true, materialized: false,
                 items: ToolOutput.accountSummary) { context, call throws(ToolError) in
            let query = SearchQuery(call.arguments.requiredString("query"))
            let churned = call.arguments.bool("churned")
            let found = context.summaries(agency: call.agency, asOf: call.asOf).map(\.0).filter {
                query.matches([$0.accountID, $0.name, $0.ownerEmail])
            }
            let items = found.filter { churned == nil || $0.churned == churned }.sorted { $0.accountID < $1.accountID }
            return list(items, ["query": .string(call.arguments.requiredString("query"))], for: call)
        },
        ReadTool(name: "get_account", title: "Get account", scope: .readAccounts, toolset: "discovery",
                 summary: "One account in full: health with its six components, risk signals (heaviest first) with evidence, churn risk with drivers, key users, health on each scored day of the `days` up to as_of, open CTAs, active plan, recent notes.",
                 parameters: [.accountID(required: true), .trendDays], isList: false, materialized: false,
                 fields: ["account": "object", "score": "object", "seats": "integer?", "key_users": "array", "health_trend": "array",
                          "open_ctas": "array", "open_cta_count": "integer", "active_plan": "object?", "recent_activities": "array"]) { context, call throws(ToolError) in
            let account = try call.requiredAccount(context)
            guard let (risk, materialized) = context.risk(of: account, agency: call.agency, asOf: call.asOf) else {
                throw ToolError.unknownAccount(context.dataset.accounts[account].accountID)
            }
            let record = context.dataset.accounts[account]
            let analytics = context.analytics(call.asOf)
            var trend: [JSONValue] = []
            let trendFrom = call.asOf.day - call.int("days") + 1
            let history = context.kept(agency: call.agency, days: min(trendFrom, call.asOf.day) ... call.asOf.day)
            for day in trendFrom ... call.asOf.day {
                guard let scores = history[day] else { continue }
                guard let position = scores.position(of: account) else { continue }
                trend.append(["as_of": .string(CivilTime.formatDate(days: day)), "health": .double(scores.health(at: position)),
                              "band": .string(scores.band(at: position, context.config.bands).rawValue),
                              "churn_risk": .double(scores.churnRisk(at: position))])
            }
            var object: [String: JSONValue] = [
                "account": JSONValue.encoding(AccountSummary(risk, record,
                                                             healthChange: context.healthChange(of: account, agency: call.agency, asOf: call.asOf))),
                "score": JSONValue.encoding(risk),
                "seats": record.seats.map { .int($0) } ?? .null,
                "key_users": JSONValue.encoding(context.index.usersOfAccount[account]
                    .filter(context.dataset.users.isKeyUser).map { UserSummary($0, analytics) }),
                "health_trend": .array(trend),
            ]
            object.merge(try WorkTools.accountWork(account, call, context)) { own, _ in own }
            if case var .object(score)? = object["score"] { score["account_key"] = nil; object["score"] = .object(score) }
            if materialized { object["source"] = .string("materialized") }
            return .object(object)
        },
        ReadTool(name: "search_users", title: "Search users", scope: .readUsers, toolset: "discovery",
                 summary: "Find users of tracked accounts by id, email or name (each word matches a word's start, ignoring case, accents and punctuation), optionally within one account.",
                 parameters: [.query, .accountID()], isList: true, materialized: false,
                 items: ToolOutput.userSummary) { context, call throws(ToolError) in
            let query = SearchQuery(call.arguments.requiredString("query"))
            let analytics = context.analytics(call.asOf)
            let accounts = try call.account(context).map { [$0] } ?? context.index.trackedAccounts[call.agency]
            var items: [UserSummary] = []
            for account in accounts {
                for user in context.index.usersOfAccount[account] {
                    let record = context.dataset.users[user]
                    if query.matches([record.userID, record.email, record.name]) {
                        items.append(UserSummary(user, analytics))
                    }
                }
            }
            items.sort { $0.userID < $1.userID }
            return list(items, ["query": .string(call.arguments.requiredString("query"))], for: call)
        },
        ReadTool(name: "get_user", title: "Get user", scope: .readUsers, toolset: "discovery",
                 summary: "One user: account, role, key-user flag, last login, and how many logins and active days in the 30 days up to as_of (get_login_activity gives them per day).",
                 parameters: [.userID(required: true)], isList: false, materialized: false,
                 fields: ["user": "object", "logins_last_30_days": "integer", "active_days_last_30_days": "integer"]) { context, call throws(ToolError) in
            let user = try call.user(call.arguments.requiredString("user_id"), context)
            let analytics = context.analytics(call.asOf)
            let days = analytics.loginActivity(account: context.dataset.users.accountKeys[user], user: user, days: 30)
            return .object([
                "user": JSONValue.encoding(UserSummary(user, analytics)),
                "logins_last_30_days": .int(days.reduce(0) { $0 + $1.logins }),
                "active_days_last_30_days": .int(days.filter { $0.logins > 0 }.count),
            ])
        },
        ReadTool(name: "get_agency_overview", title: "Agency overview", scope: .readAccounts, toolset: "discovery",
                 summary: "The agency at a glance: paying accounts by band, churned accounts apart, MRR, NRR/GRR over the last year, failed payments and renewals in the 30 days from as_of, the riskiest paying accounts. Start here.",
                 parameters: [], isList: false, materialized: true,
                 fields: ["agency_name": "string", "tracked_accounts": "integer", "paying_accounts": "integer",
                          "accounts_by_band": "object", "churned_accounts": "integer", "churned_mrr_this_month_cents": "integer",
                          "average_health": "number?", "mrr_cents": "integer", "retention": "object",
                          "failed_payments_30d": "integer", "renewals_30d": "integer", "highest_churn_risk": "array"]) { context, call throws(ToolError) in
            let analytics = context.analytics(call.asOf)
            let scored = context.scored(agency: call.agency, asOf: call.asOf)
            // The paying accounts counted in one pass, no risk copied (summed in their order, as a reduce would).
            var payingCount = 0, mrr: Int64 = 0, healthSum = 0.0
            let allBands = HealthBand.allCases
            var byBand = [Int](repeating: 0, count: allBands.count)
            var payingKeys = Set<Int>()
            let risks = scored.risks
            for i in risks.indices where !risks[i].churned {
                payingCount += 1
                mrr += risks[i].mrrCents
                healthSum += risks[i].health
                byBand[allBands.firstIndex(of: risks[i].band)!] += 1
                payingKeys.insert(risks[i].accountKey)
            }
            var bands: [String: JSONValue] = [:]
            for (i, band) in allBands.enumerated() { bands[band.rawValue] = .int(byBand[i]) }
            // The riskiest paying accounts: positions sorted by keys read once, so a comparison copies no row.
            let rows = context.summaries(agency: call.agency, asOf: call.asOf)
            let risk = rows.map(\.1.churnRisk), ids = rows.map(\.0.accountID)
            let topRisks = rows.indices.filter { !rows[$0].1.churned }
                .sorted { risk[$0] != risk[$1] ? risk[$0] > risk[$1] : ids[$0] < ids[$1] }
                .prefix(5).map { rows[$0].0 }
            let renewals = analytics.upcomingRenewals(scored.scores, days: 30)
                .filter { context.dataset.accountKey($0.accountID).map(payingKeys.contains) ?? false }
            return .object([
                "agency_name": .string(context.dataset.agencies[call.agency].name),
                "tracked_accounts": .int(scored.risks.count),
                "paying_accounts": .int(payingCount),
                "accounts_by_band": .object(bands),
                "churned_accounts": .int(scored.risks.count - payingCount),
                "churned_mrr_this_month_cents": .int(Int(analytics.monthlyMovements(agency: call.agency, months: 1).last?.churn.cents ?? 0)),
                "average_health": payingCount == 0 ? .null : .double((healthSum / Double(payingCount) * 10).rounded() / 10),
                "mrr_cents": .int(Int(mrr)),
                "retention": JSONValue.encodedText(analytics.retention(agency: call.agency)),
                "failed_payments_30d": .int(analytics.failedPayments(agency: call.agency, days: 30).count),
                "renewals_30d": .int(renewals.count),
                "highest_churn_risk": JSONValue.encodedItems(Array(topRisks)),
            ])
        },
    ]
}
