import VitalsAnalytics
import VitalsJSON
import VitalsStore

/// An at-risk account: its summary, the signals' evidence and the churn
/// drivers; with `compare_to`, how its place on the list changed.
struct AtRiskAccount: Encodable {
    /// The account's summary, as JSON text (``ToolContext/encodedSummaries(agency:asOf:)``).
    var account: JSONValue
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
    /// The at-risk order on positions of an agency's account rows: highest
    /// churn risk first; ties: lower health, then account_id. The keys are
    /// read once into plain arrays, so comparisons copy no rows.
    static func atRiskOrder(_ rows: [(AccountSummary, AccountRisk)]) -> (Int, Int) -> Bool {
        let risk = rows.map { $0.1.churnRisk }, health = rows.map { $0.1.health }, ids = rows.map { $0.0.accountID }
        return { a, b in
            if risk[a] != risk[b] { return risk[a] > risk[b] }
            if health[a] != health[b] { return health[a] < health[b] }
            return ids[a] < ids[b]
        }
    }

    static func atRisk(_ context: ToolContext, _ call: ToolCall) throws(ToolError) -> JSONValue {
        let filters = AccountFilters(call.arguments)
        let rows = context.summaries(agency: call.agency, asOf: call.asOf)
        let order = atRiskOrder(rows)
        let listed = filters.apply(Array(rows.indices), { rows[$0].0 }, ownOrder: order)
        let bands: JSONValue = .array(HealthBand.allCases.filter((filters.bands ?? []).contains).map { .string($0.rawValue) })
        // The summaries' texts only for rows written in full (a stored row refers to its summary).
        lazy var encoded = context.encodedSummaries(agency: call.agency, asOf: call.asOf)
        func item(_ i: Int, _ comparison: AtRiskAccount.Comparison? = nil) -> AtRiskAccount {
            AtRiskAccount(account: .encoded(encoded[i].text), signals: rows[i].1.signals, drivers: rows[i].1.drivers, comparison: comparison)
        }
        guard let compareTo = call.arguments.date("compare_to") else {
            let range = pageRange(listed.count, call)
            // Stored, a row is its references: the summary the tracked list
            // stores, the signals and drivers the account's detail stores.
            let items = call.materializing
                ? JSONValue.array(listed[range].map { StoredReferences.atRiskRow(accountKey: rows[$0].1.accountKey, accountID: rows[$0].0.accountID) })
                : JSONValue.encodedItems(listed[range].map { item($0) })
            return listPage(items, total: listed.count, ["bands": bands], for: call)
        }
        guard compareTo < call.asOf else {
            throw .invalid("compare_to", "must be before as_of (\(call.asOf)), got \(compareTo)", example: "2026-10-20")
        }
        try context.checkAsOf(compareTo, argument: "compare_to")
        let (then, fromHistory) = context.dailyScores(agency: call.agency, day: compareTo)
        let listedThen = listedOn(then, rows, filters, bands: context.config.bands)
        let listedNow = Set(listed)
        var compared: [(index: Int, comparison: AtRiskAccount.Comparison)] = []
        var counts: [String: Int] = ["entered": 0, "still_there": 0, "left_recovered": 0, "left_churned": 0]
        for i in rows.indices.sorted(by: order) {
            let wasListed = listedThen[i]
            let status: String
            switch (listedNow.contains(i), wasListed != nil) {
            case (true, true): status = "still_there"
            case (true, false): status = "entered"
            case (false, true): status = rows[i].1.churned ? "left_churned" : "left_recovered"
            case (false, false): continue
            }
            counts[status, default: 0] += 1
            compared.append((i, .init(status: status, bandThen: wasListed?.bandThen, churnRiskThen: wasListed?.churnRiskThen)))
        }
        let page = compared[pageRange(compared.count, call)].map { item($0.index, $0.comparison) }
        return listPage(JSONValue.encodedItems(page), total: compared.count,
                        ["bands": bands, "compare_to": .string(compareTo.description),
                         "compared_from": .string(fromHistory ? "history" : "computed"),
                         "comparison": .object(counts.mapValues(JSONValue.int))], for: call)
    }

    /// The rows (by position) on the at-risk list of an earlier day: paying
    /// that day, in the bands by that day's health; the other filters
    /// (owner, plan, priority, MRR range) are today's.
    static func listedOn(_ then: DailyScores, _ rows: [(AccountSummary, AccountRisk)], _ filters: AccountFilters,
                         bands: ScoringConfig.Bands) -> [Int: AtRiskAccount.Comparison] {
        var others = filters
        others.bands = nil
        others.churned = nil
        var listed: [Int: AtRiskAccount.Comparison] = [:]
        for i in rows.indices {
            guard let position = then.position(of: rows[i].1.accountKey), !then.churned(at: position) else { continue }
            let band = then.band(at: position, bands)
            guard filters.bands?.contains(band) ?? true, others.keeps(rows[i].0) else { continue }
            listed[i] = .init(status: "", bandThen: band, churnRiskThen: then.churnRisk(at: position))
        }
        return listed
    }

    static func healthMovers(_ context: ToolContext, _ call: ToolCall) throws(ToolError) -> JSONValue {
        let days = call.int("days")
        let direction = call.arguments.direction()
        let baseline = AsOf(day: call.asOf.day - days)
        try context.checkAsOf(baseline, argument: "as_of − days")
        let (then, fromHistory) = context.dailyHealth(agency: call.agency, day: baseline)
        // Every account's change first; the components that moved only for the page's rows.
        let all = context.summaries(agency: call.agency, asOf: call.asOf)
        // The keys read once into plain arrays: neither the loop nor a comparison copies a row.
        let keys = all.map(\.1.accountKey), healths = all.map(\.1.health), ids = all.map(\.0.accountID)
        var moved: [(index: Int, change: Double, position: Int)] = []
        for i in all.indices {
            guard let position = then.position(of: keys[i]) else { continue }
            let change = ToolContext.healthChange(healths[i], from: then.health(at: position))
            guard change != 0, direction != .up || change > 0, direction != .down || change < 0 else { continue }
            moved.append((i, change, position))
        }
        // The change over `days` is what a mover's row says, and what sort_by health_change sorts.
        func summary(_ row: (index: Int, change: Double, position: Int)) -> AccountSummary {
            var withChange = all[row.index].0
            withChange.healthChange = row.change
            return withChange
        }
        let rows = AccountFilters(call.arguments).apply(moved, summary) { a, b in
            let ka = direction == .both ? abs(a.change) : direction == .up ? a.change : -a.change
            let kb = direction == .both ? abs(b.change) : direction == .up ? b.change : -b.change
            return ka != kb ? ka > kb : ids[a.index] < ids[b.index]
        }
        let weights = moverWeights(context.config), bands = context.config.bands
        /// A row's own fields, in key order; `change` when the row says its change itself.
        func writeOwn(_ json: inout JSONTextWriter, _ row: (index: Int, change: Double, position: Int), change: Double?) {
            writeMoverFields(&json, now: all[row.index].1.components, then: then, position: row.position, weights: weights, bands: bands,
                             change: change)
        }
        let extra: [String: JSONValue] = ["days": .int(days), "direction": .string(direction.rawValue), "compared_to": .string(baseline.description),
                                          "compared_from": .string(fromHistory ? "history" : "computed")]
        // Stored, every row in one buffer. With the baseline in the history, a row is its account's key: a read
        // writes its fields again from the stored detail and the history (``StoredReferences``). Otherwise
        // it refers to the account's summary and says its own fields.
        if call.materializing {
            let items = JSONValue.writtenArray(rows[pageRange(rows.count, call)]) { json, row in
                json.object { json in
                    guard !fromHistory else { return json.field(StoredReferences.moverField, keys[row.index]) }
                    json.field(StoredReferences.summaryField, all[row.index].0.accountID)
                    writeOwn(&json, row, change: row.change)
                }
            }
            return listPage(items, total: rows.count, extra, for: call)
        }
        let encoded = context.encodedSummaries(agency: call.agency, asOf: call.asOf)
        let page = rows[pageRange(rows.count, call)].map { row -> JSONValue in
            // Over the summary's own 7 days the row's change is the summary's: its text is reused.
            (all[row.index].0.healthChange == row.change ? encoded[row.index] : EncodedObject(summary(row))).adding { writeOwn(&$0, row, change: nil) }
        }
        return listPage(.array(page), total: rows.count, extra, for: call)
    }

    /// The components' weights in ``HealthComponents/names`` order.
    static func moverWeights(_ config: ScoringConfig) -> [Double] {
        let weights = config.weights
        return [weights.activity, weights.recency, weights.breadth, weights.trend, weights.payments, weights.sentiment]
    }

    /// A mover's own fields, in key order: its band on the baseline day,
    /// each component's share of the move in health points (weight ×
    /// change × 100, largest first; those that did not move left out),
    /// its `change` when given, and its health on the baseline day.
    /// - Parameters:
    ///   - now: the account's components as scored.
    ///   - then: the baseline day's scores; `position` is the account's.
    static func writeMoverFields(_ json: inout JSONTextWriter, now: HealthComponents, then: DailyScores, position: Int,
                                 weights: [Double], bands: ScoringConfig.Bands, change: Double?) {
        var components: [(name: String, then: Double, now: Double, points: Double)] = []
        for j in 0 ..< HealthComponents.names.count {
            let value = now.value(at: j), before = then.component(j, at: position)
            let points = ((value - before) * weights[j] * 1000).rounded() / 10
            if points != 0 { components.append((HealthComponents.names[j], before, (value * 10000).rounded() / 10000, points)) }
        }
        components.sort { abs($0.points) != abs($1.points) ? abs($0.points) > abs($1.points) : $0.name < $1.name }
        json.field("band_then", then.band(at: position, bands).rawValue)
        json.key("components_moved")
        json.array(components) { json, moved in
            json.object { json in
                json.field("component", moved.name)
                json.field("now", moved.now)
                json.field("points", moved.points)
                json.field("then", moved.then)
            }
        }
        if let change { json.field("health_change", change) }
        json.field("health_then", then.health(at: position))
    }
}
