import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// An account's MRR movement in one month, with how it looked 30 days before.
struct RevenueMovementItem: Encodable {
    /// The account's score 30 days before the change.
    struct Before: Encodable {
        var asOf: String
        var health: Double
        var band: HealthBand
        var churnRisk: Double
        var signals: [String]
    }

    var month: String
    var accountID: String
    var name: String
    var movement: String
    var startMRRCents: Int64
    var endMRRCents: Int64
    var changeCents: Int64
    var changedOn: String
    /// nil when the day 30 days before is before the first event day.
    var before: Before?
}

extension ReadTools {
    /// Days between a change and the score it is shown with.
    static let daysBeforeChange = 30

    static let attribution: [ReadTool] = [
        ReadTool(name: "list_revenue_movements", title: "Revenue movements", scope: .readRevenue, toolset: "revenue",
                 summary: "Which accounts made each month's MRR movements (new, reactivation, expansion, contraction, churn), newest month and largest change first: MRR at the month's edges, change_cents (e.g. -50000 = $500.00 lost), the day it changed, and `before`: health, band, churn risk and signals 30 days before it. `totals` per movement over the months.",
                 parameters: [.months(default: 3), .movement, .accountID()], isList: true, materialized: false,
                 items: ["month": "string", "account_id": "string", "name": "string", "movement": "string",
                         "start_mrr_cents": "integer", "end_mrr_cents": "integer", "change_cents": "integer", "changed_on": "string",
                         "before": "object?"],
                 fields: ["months": "integer", "totals": "object"]) { context, call throws(ToolError) in
            let months = call.int("months")
            let analytics = context.analytics(call.asOf)
            let movements = analytics.accountMovements(agency: call.agency, months: months, account: try call.account(context))
            var totals: [MRRMovement: MoneyCount] = [:]
            for movement in movements {
                totals[movement.movement, default: MoneyCount()].cents += abs(movement.changeCents)
                totals[movement.movement, default: MoneyCount()].accounts += 1
            }
            let kept = call.arguments.string("movement").flatMap(MRRMovement.init(rawValue:)).map { only in movements.filter { $0.movement == only } }
                ?? movements
            // Only the page's accounts are scored 30 days before their change.
            let items = movementItems(Array(kept[pageRange(kept.count, call)]), agency: call.agency, context: context)
            return listPage(JSONValue.encodedItems(items), total: kept.count, [
                "months": .int(months),
                "totals": .object(Dictionary(uniqueKeysWithValues: MRRMovement.allCases.map {
                    ($0.rawValue, JSONValue.encoding(totals[$0] ?? MoneyCount()))
                })),
            ], for: call)
        },
    ]

    /// The items, each with its score 30 days before the change: from the
    /// health history where that day was scored, else computed (once per day:
    /// the movements are grouped by it).
    static func movementItems(_ movements: [AccountMovement], agency: Int, context: ToolContext) -> [RevenueMovementItem] {
        var byDay: [Int: DailyScores] = [:]
        for day in Set(movements.map { $0.changedOn - daysBeforeChange }).sorted() where day >= context.dataFrom.day {
            byDay[day] = context.dailyScores(agency: agency, day: AsOf(day: day)).scores
        }
        return movements.map { movement in
            let day = movement.changedOn - daysBeforeChange
            let before = byDay[day].flatMap { scores in
                scores.position(of: movement.account).map { position in
                    let model = context.model(AsOf(day: day))
                    let signals = model.ranked(RiskSignal.signals(scores.signalBits[position]).map {
                        RiskSignalHit(signal: $0, value: nil, evidence: "")
                    }).map(\.signal)
                    return RevenueMovementItem.Before(asOf: CivilTime.formatDate(days: day), health: scores.health(at: position),
                                                      band: scores.band(at: position, context.config.bands),
                                                      churnRisk: scores.churnRisk(at: position), signals: signals.map(\.rawValue))
                }
            }
            let account = context.dataset.accounts[movement.account]
            return RevenueMovementItem(month: movement.month, accountID: account.accountID, name: account.name,
                                       movement: movement.movement.rawValue, startMRRCents: movement.startMRRCents,
                                       endMRRCents: movement.endMRRCents, changeCents: movement.changeCents,
                                       changedOn: CivilTime.formatDate(days: movement.changedOn), before: before)
        }
    }
}
