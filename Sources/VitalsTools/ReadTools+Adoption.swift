import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

extension ReadTools {
    static let adoption: [ReadTool] = [
        ReadTool(name: "get_feature_metrics", title: "Feature metrics", scope: .readAccounts, toolset: "adoption",
                 summary: "Every feature's uses and active accounts in the last `days` days (default 30), with 30-day adoption and whether it is core (adoption ≥ 0.5). With account_id: that account's uses per feature.",
                 parameters: [.days(default: 30), .accountID()], isList: true, materialized: true,
                 items: ToolOutput.featureUsage) { context, call throws(ToolError) in
            let days = call.int("days")
            let analytics = context.analytics(call.asOf)
            var items = context.featureUsage(agency: call.agency, asOf: call.asOf, days: days)
            if let account = try call.account(context) {
                let uses = Dictionary(uniqueKeysWithValues: analytics.featureMovers(agency: call.agency, account: account, window: days).map { ($0.feature, $0.cur) })
                items = items.compactMap { feature in
                    guard let count = uses[feature.feature], count > 0 else { return nil }
                    var own = feature
                    own.uses = count
                    own.accounts = 1
                    return own
                }
                items.sort { $0.uses != $1.uses ? $0.uses > $1.uses : $0.feature < $1.feature }
            }
            return list(items, ["days": .int(days)], for: call)
        },
        ReadTool(name: "list_feature_adoption_gaps", title: "Feature adoption gaps", scope: .readAccounts, toolset: "adoption",
                 summary: "With account_id: the core features (used by ≥ half the accounts in 30 days) that account did not use, most adopted first. Without: every feature by adoption, least adopted first.",
                 parameters: [.accountID()], isList: true, materialized: true,
                 items: ToolOutput.featureUsage) { context, call throws(ToolError) in
            let analytics = context.analytics(call.asOf)
            let scored = context.scored(agency: call.agency, asOf: call.asOf)
            if let account = try call.account(context) {
                return list(analytics.adoptionGaps(scored.scores, account: account),
                            ["account_id": .string(context.dataset.accounts[account].accountID)], for: call)
            }
            return list(Analytics.adoptionOrder(context.featureUsage(agency: call.agency, asOf: call.asOf, days: context.config.windows.adoptionDays)),
                        for: call)
        },
        ReadTool(name: "list_feature_metric_movers", title: "Feature movers", scope: .readAccounts, toolset: "adoption",
                 summary: "Features whose uses moved most: the last `window` days (default 7) against the window before, agency-wide or for one account; direction up, down or both.",
                 parameters: [.window, .direction, .accountID()], isList: true,
                 materialized: true,
                 items: ["feature": "string", "cur": "integer", "prev": "integer", "delta": "integer", "pct_change": "number?"]) { context, call throws(ToolError) in
            let window = call.int("window")
            let direction = call.arguments.direction()
            let moves = context.analytics(call.asOf).featureMovers(agency: call.agency, account: try call.account(context), window: window, direction: direction)
            let items: [JSONValue] = moves.map {
                .object(["feature": .string($0.feature), "cur": .int($0.cur), "prev": .int($0.prev), "delta": .int($0.delta),
                         "pct_change": $0.pctChange.map(JSONValue.double) ?? .null])
            }
            return .object(["items": .array(items), "window": .int(window), "direction": .string(direction.rawValue)])
        },
    ]
}
