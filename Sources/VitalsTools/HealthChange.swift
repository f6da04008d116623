import VitalsAnalytics
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

/// The handlers of the lists that look back: the at-risk list (and its
/// comparison with an earlier day) and the health movers. Both read the
/// earlier day from the health history, or compute it when it was never
/// scored (`compared_from` says which).
extension ReadTools {
    typealias ScoredSummary = (summary: AccountSummary, risk: AccountRisk)

    /// Highest churn risk first; ties: lower health, then account_id.
    static func atRiskOrder(_ a: ScoredSummary, _ b: ScoredSummary) -> Bool {
        if a.risk.churnRisk != b.risk.churnRisk { return a.risk.churnRisk > b.risk.churnRisk }
        if a.risk.health != b.risk.health { return a.risk.health < b.risk.health }
        return a.summary.accountID < b.summary.accountID
    }

    static func atRisk(_ context: ToolContext, _ call: ToolCall) throws(ToolError) -> JSONValue {
        let filters = AccountFilters(call.arguments)
        let summaries: [ScoredSummary] = context.summaries(agency: call.agency, asOf: call.asOf).map { ($0.0, $0.1) }
        let listed = filters.apply(summaries, \.summary, ownOrder: atRiskOrder)
        let bands: JSONValue = .array(HealthBand.allCases.filter((filters.bands ?? []).contains).map { .string($0.rawValue) })
        guard let compareTo = call.arguments.date("compare_to") else {
            return list(listed.map { AtRiskAccount(account: $0.summary, signals: $0.risk.signals, drivers: $0.risk.drivers) },
                        ["bands": bands], for: call)
        }
        guard compareTo < call.asOf else {
            throw .invalid("compare_to", "must be before as_of (\(call.asOf)), got \(compareTo)", example: "2026-10-20")
        }
        try context.checkAsOf(compareTo, argument: "compare_to")
        let (then, fromHistory) = context.dailyScores(agency: call.agency, day: compareTo)
        let listedThen = listedOn(then, summaries, filters, bands: context.config.bands)
        let listedNow = Set(listed.map(\.risk.accountKey))
        var items: [AtRiskAccount] = []
        var counts: [String: Int] = ["entered": 0, "still_there": 0, "left_recovered": 0, "left_churned": 0]
        for (summary, risk) in summaries.sorted(by: atRiskOrder) {
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
        return list(items, ["bands": bands, "compare_to": .string(compareTo.description),
                            "compared_from": .string(fromHistory ? "history" : "computed"),
                            "comparison": .object(counts.mapValues(JSONValue.int))], for: call)
    }

    /// The accounts on the at-risk list of an earlier day: paying that day,
    /// in the bands by that day's health; the other filters (owner, plan,
    /// priority, MRR range) are today's.
    static func listedOn(_ then: DailyScores, _ summaries: [ScoredSummary], _ filters: AccountFilters,
                         bands: ScoringConfig.Bands) -> [Int: AtRiskAccount.Comparison] {
        var others = filters
        others.bands = nil
        others.churned = nil
        var listed: [Int: AtRiskAccount.Comparison] = [:]
        for (summary, risk) in summaries {
            guard let position = then.position(of: risk.accountKey), !then.churned(at: position) else { continue }
            let band = then.band(at: position, bands)
            guard filters.bands?.contains(band) ?? true, others.keeps(summary) else { continue }
            listed[risk.accountKey] = .init(status: "", bandThen: band, churnRiskThen: then.churnRisk(at: position))
        }
        return listed
    }

    static func healthMovers(_ context: ToolContext, _ call: ToolCall) throws(ToolError) -> JSONValue {
        let days = call.int("days")
        let direction = call.arguments.direction()
        let baseline = AsOf(day: call.asOf.day - days)
        try context.checkAsOf(baseline, argument: "as_of − days")
        let (then, fromHistory) = context.dailyScores(agency: call.agency, day: baseline)
        // Every account's change first; the components that moved only for the page's rows.
        var moved: [(summary: AccountSummary, risk: AccountRisk, change: Double, position: Int)] = []
        for (summary, risk) in context.summaries(agency: call.agency, asOf: call.asOf) {
            guard let position = then.position(of: risk.accountKey) else { continue }
            let change = ((risk.health - then.health(at: position)) * 10).rounded() / 10
            guard change != 0, direction != .up || change > 0, direction != .down || change < 0 else { continue }
            var withChange = summary
            withChange.healthChange = change
            moved.append((withChange, risk, change, position))
        }
        let rows = AccountFilters(call.arguments).apply(moved, \.summary) { a, b in
            let ka = direction == .both ? abs(a.change) : direction == .up ? a.change : -a.change
            let kb = direction == .both ? abs(b.change) : direction == .up ? b.change : -b.change
            return ka != kb ? ka > kb : a.summary.accountID < b.summary.accountID
        }
        let weights = context.config.weights
        let weightOf = [weights.activity, weights.recency, weights.breadth, weights.trend, weights.payments, weights.sentiment]
        return accountRows(rows, ["days": .int(days), "direction": .string(direction.rawValue), "compared_to": .string(baseline.description),
                                  "compared_from": .string(fromHistory ? "history" : "computed")], for: call) { row in
            // Each component's share of the move, in health points (weight × change × 100), largest first.
            var components: [(name: String, then: Double, now: Double, points: Double)] = []
            for (j, component) in row.risk.components.named.enumerated() {
                let before = then.component(j, at: row.position)
                let points = ((component.value - before) * weightOf[j] * 1000).rounded() / 10
                if points != 0 { components.append((component.name, before, (component.value * 10000).rounded() / 10000, points)) }
            }
            components.sort { abs($0.points) != abs($1.points) ? abs($0.points) > abs($1.points) : $0.name < $1.name }
            return (row.summary, [
                "health_then": .double(then.health(at: row.position)),
                "band_then": .string(then.band(at: row.position, context.config.bands).rawValue),
                "components_moved": .array(components.map {
                    ["component": .string($0.name), "then": .double($0.then), "now": .double($0.now), "points": .double($0.points)]
                }),
            ])
        }
    }
}
