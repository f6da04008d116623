import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// `vitals score`: computes every tracked account's score and the default
/// results of the agency-wide tools for each as-of day, ready to be
/// materialized in one transaction.
public struct Scorer {
    public let context: ToolContext

    /// - Parameter context: should not use materialized results
    ///   (`useMaterialized: false`), so that a re-run recomputes everything.
    public init(context: ToolContext) {
        self.context = context
    }

    /// The materialized form of one as-of day. Without `detailed`, only the
    /// scores and the health history: no account's detail and no default
    /// tool results, which the store keeps for the newest day alone (a
    /// backfill's earlier days held them in memory for nothing: a week at
    /// 100 M events peaked at 3.9 GB). With `packed`, each agency's detail
    /// and results are compressed as the store keeps them on the core that
    /// scored it, and its text dropped (``MaterializedDay/packedDetail``):
    /// what `vitals score` writes, without holding a night's JSON text.
    ///
    /// `keepingScores` false drops each agency's scores and churn risks
    /// once its results are made: what a day needs when nothing reads them
    /// after (its playbooks do, and a later call computes them again).
    public func score(_ day: AsOf, detailed: Bool = true, packed: Bool = false, keepingScores: Bool = true) throws(ToolError) -> MaterializedDay {
        let model = context.model(day)
        let context = self.context
        let packed = detailed && packed
        // The results compare with the health-change baseline: every agency's in one read, before they are scored.
        let baseline = AsOf(day: day.day - ToolContext.healthChangeDays)
        if detailed, baseline >= context.dataFrom { context.keepEveryAgency(day: baseline.day) }
        typealias Agency = (scores: [MaterializedScore], results: [(agencyKey: Int, tool: String, json: [UInt8])],
                            packed: PackedAgencyDetail?, daily: DailyScores, packedDaily: PackedDailyScores?)
        // Agencies are independent: score them on all cores (a compressor per core).
        let perAgency = parallelMap(context.dataset.agencies.count, state: { ZstdCompressor(level: 1) }) {
            compressor, agency -> Result<Agency, StoreError> in
            var scores: [MaterializedScore] = []
            let scored = context.scored(agency: agency, asOf: day)
            for risk in scored.risks {
                // Packed, each detail is written where the blob is (below).
                let detail = detailed && !packed ? risk.stored : []
                scores.append(MaterializedScore(
                    accountKey: risk.accountKey, agencyKey: agency, health: risk.health, band: risk.band.rawValue,
                    components: risk.components.values,
                    churnRisk: risk.churnRisk, signals: RiskSignal.signals(RiskSignal.bits(risk.signals.map(\.signal))).map(\.rawValue),
                    detail: detail))
            }
            let agencyID = context.dataset.agencies[agency].agencyID
            var answers: [(tool: String, result: JSONValue)] = []
            for tool in ReadTools.all where detailed && tool.materialized {
                // A default call the day cannot answer (health movers whose
                // baseline precedes the data) is not materialized: the call
                // then computes, and refuses with the same clear message.
                if let result = try? ReadTools.materializedResult(tool, agency: agency, agencyID: agencyID, asOf: day, context: context) {
                    answers.append((tool.name, result))
                }
            }
            // Packed, each result's text is written into its agency's bundle (below), not an array of its own.
            let results = packed ? [] : answers.map { (agencyKey: agency, tool: $0.tool, json: $0.result.utf8()) }
            let daily = scored.daily(day: day.day, agency: agency)
            context.forgetAnswerInputs(agency: agency, asOf: day, scores: !keepingScores)
            guard packed else { return .success((scores, results, nil, daily, nil)) }
            do throws(StoreError) {
                let risks = scored.risks
                let detail = try PackedAgencyDetail(agencyKey: agency, scores: scores, detail: { risks[$0].appendStored(to: &$1) },
                                                    results: answers.map(\.tool), result: { answers[$0].result.append(to: &$1) },
                                                    compressor: compressor)
                return .success((scores, [], detail, daily, try PackedDailyScores(daily, compressor: compressor)))
            } catch {
                return .failure(error)
            }
        }
        var scores: [MaterializedScore] = []
        var results: [(agencyKey: Int, tool: String, json: [UInt8])] = []
        var packedDetail: [PackedAgencyDetail] = []
        var history: [DailyScores] = []
        var packedHistory: [PackedDailyScores] = []
        for outcome in perAgency {
            let agency: Agency
            switch outcome {
            case let .success(done): agency = done
            case let .failure(error): throw ToolError("could not pack the day's detail: \(error)")
            }
            scores += agency.scores
            results += agency.results
            if let detail = agency.packed { packedDetail.append(detail) }
            history.append(agency.daily)
            if let daily = agency.packedDaily { packedHistory.append(daily) }
        }
        return MaterializedDay(asOfDay: day.day,
                               configJSON: ToolContext.configJSON(context.config),
                               modelJSON: ToolContext.modelJSON(model),
                               scores: scores, agencyResults: results, history: history,
                               signalOrder: RiskSignal.allCases.map(\.rawValue), packedDetail: packedDetail, packedHistory: packedHistory)
    }

    /// The first event timestamp scoring `days` reads: the lookback
    /// (``Analytics/eventLookbackDays(_:)``) of the earliest day it
    /// computes, which is the first day's health-change baseline
    /// (``ToolContext/healthChangeDays`` before it) or, for a week whose
    /// churn model is fitted (`refit`, or no stored model for it), that
    /// fit's earliest training day (``ChurnModel/earliestTrainingDay(forWeek:)``,
    /// T − 139 for the week's first day T). Older batches are read as
    /// digests: a night reads its last two months, a cold score with a fit
    /// its last eight, whatever the store holds before. Nil when no day is given.
    public static func eventWindowStart(days: [AsOf], config: ScoringConfig, models: [StoredChurnModel], refit: Bool) -> Int64? {
        guard let scored = scoredWindowStart(days: days, config: config) else { return nil }
        let fits = ToolContext.fitWindowStart(weeks: weeksToFit(days: days, config: config, models: models, refit: refit), config: config)
        return min(scored, fits ?? scored)
    }

    /// Where the events of the days scored start, leaving out the fits'
    /// past days (`vitals score` loads those for the fits' sampled accounts
    /// alone, ``ToolContext/init(store:config:useMaterialized:eventsFrom:fitting:refit:runs:models:)``):
    /// the lookback of the first day's health-change baseline, or, when
    /// `baselinesKept` (the history keeps every agency's scores of each
    /// ``baselineDays(of:)``, which are then read, not computed), of the
    /// first day itself: a night then decodes eight weeks, not nine.
    public static func scoredWindowStart(days: [AsOf], config: ScoringConfig, baselinesKept: Bool = false) -> Int64? {
        firstComputedDay(of: days, baselinesKept: baselinesKept)?.start(lastDays: Analytics.eventLookbackDays(config))
    }

    /// The earliest day scoring `days` computes: the first day's
    /// health-change baseline, or the first day itself when `baselinesKept`.
    static func firstComputedDay(of days: [AsOf], baselinesKept: Bool) -> AsOf? {
        days.min().map { AsOf(day: $0.day - (baselinesKept ? 0 : ToolContext.healthChangeDays)) }
    }

    /// The first payment scoring `days` reads: the payment lookback
    /// (``Analytics/paymentLookbackDays(_:)``) of the earliest day it
    /// computes (the first day's health-change baseline unless
    /// `baselinesKept`). A night reads 90 days of payments, whatever
    /// years of them the store holds. Nil when no day is given.
    public static func paymentWindowStart(days: [AsOf], config: ScoringConfig, baselinesKept: Bool = false) -> Int64? {
        firstComputedDay(of: days, baselinesKept: baselinesKept)?.start(lastDays: Analytics.paymentLookbackDays(config))
    }

    /// The health-change baselines (``ToolContext/healthChangeDays`` before
    /// each day) of `days` that the run does not score itself.
    public static func baselineDays(of days: [AsOf]) -> Set<Int> {
        Set(days.map { $0.day - ToolContext.healthChangeDays }).subtracting(days.map(\.day))
    }

    /// The context `vitals score` scores `days` with (the newest stored day
    /// when none): not reading materialized results, its events from
    /// ``scoredWindowStart(days:config:baselinesKept:)`` on, the past days
    /// of the weeks it fits for their sampled accounts. The baselines count
    /// as kept when the history has them for every agency before the load
    /// and for every loaded agency after it; a write between the two (a new
    /// agency) loads again from the baselines' lookback.
    public static func context(store: Store, config: ScoringConfig, days: [AsOf], fitting: Set<Int>, refit: Bool,
                               runs: [ScoreRun], models: [StoredChurnModel]) throws -> ToolContext {
        let baselines = baselineDays(of: days)
        func load(baselinesKept: Bool) throws -> ToolContext {
            try ToolContext(store: store, config: config, useMaterialized: false,
                            eventsFrom: scoredWindowStart(days: days, config: config, baselinesKept: baselinesKept),
                            paymentsFrom: paymentWindowStart(days: days, config: config, baselinesKept: baselinesKept),
                            fitting: fitting, refit: refit, runs: runs, models: models)
        }
        guard !days.isEmpty, try store.historyKeepsEveryAgency(on: baselines) else { return try load(baselinesKept: false) }
        let context = try load(baselinesKept: true)
        if try store.historyKeepsEveryAgency(on: baselines, agencyCount: context.dataset.agencies.count) { return context }
        return try load(baselinesKept: false)
    }

    /// The weeks of `days` whose churn model a run fits (none stored for
    /// the config, or `refit`).
    public static func weeksToFit(days: [AsOf], config: ScoringConfig, models: [StoredChurnModel], refit: Bool) -> Set<Int> {
        Set(days.map { ChurnModel.fitDay(for: $0.day) }).filter { refit || ToolContext.storedModel(models, week: $0, config: config) == nil }
    }

    /// The scores CSV header: exactly these columns.
    public static let csvHeader = "agency_id,account_id,as_of,health,band,activity,recency,breadth,trend,payments,sentiment,churn_risk,signals"

    /// CSV rows of a materialized day: health with one decimal, components
    /// and churn risk with four, signals `;`-joined in DESIGN.md's order.
    public func csvRows(_ day: MaterializedDay) -> [String] {
        let date = CivilTime.formatDate(days: day.asOfDay)
        return day.scores.map { score in
            let fields = [
                context.dataset.agencies[score.agencyKey].agencyID,
                context.dataset.accounts[score.accountKey].accountID,
                date,
                Self.fixed(score.health, 1),
                score.band,
            ] + score.components.map { Self.fixed($0, 4) } + [Self.fixed(score.churnRisk, 4), score.signals.joined(separator: ";")]
            return fields.map(Self.csvField).joined(separator: ",")
        }
    }

    /// `value` with exactly `decimals` decimals (halves away from zero).
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0 ..< decimals { scale *= 10 }
        let scaled = (value * scale).rounded(.toNearestOrAwayFromZero)
        let negative = scaled < 0
        let digits = String(Int64(abs(scaled)))
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        let cut = padded.index(padded.endIndex, offsetBy: -decimals)
        return (negative ? "-" : "") + padded[..<cut] + (decimals > 0 ? "." + padded[cut...] : "")
    }

    /// RFC 4180 quoting when needed.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
