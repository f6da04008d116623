import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// What every tool call runs against: the loaded dataset, the store's
/// materialized results, and caches of per-day analytics (so repeated
/// calls for one day do not rescan the columns).
public final class ToolContext: MaterializedSource, @unchecked Sendable {
    public let store: Store
    public let dataset: Dataset
    public let index: DatasetIndex
    public let config: ScoringConfig
    /// Answer from materialized results when the arguments match their
    /// defaults; false: always compute from the columns.
    public let useMaterialized: Bool
    /// T when a call gives no `as_of`: the latest event day (`data_through`).
    public let defaultAsOf: AsOf
    /// The earliest event day: an `as_of` before it has nothing to score.
    public let dataFrom: AsOf
    /// Materialized runs by as-of day.
    let runs: [Int: ScoreRun]
    /// The stored weekly churn models (``model(_:)`` reuses them).
    let storedModels: [StoredChurnModel]
    /// Each agency's latest metadata write (priority, key user), as a data version.
    let metadataChanges: [Int: Int64]

    private let lock = NSLock()
    private var analyticsByDay: [Int: Analytics] = [:]
    private var modelsByDay: [Int: ChurnModel] = [:]
    private var scoredByDayAndAgency: [[Int]: ScoredAgency] = [:]
    private var materializedResults: [String: JSONValue] = [:]
    /// Days of the kept history read so far, by [day, agency] (nil inside: not scored).
    private var keptByDayAndAgency: [[Int]: DailyScores?] = [:]
    /// Days not in the history, computed once from the columns.
    private var computedDays: [[Int]: DailyScores] = [:]
    /// Health-only days computed for a health change (``dailyHealth(agency:day:)``).
    private var computedHealth: [[Int]: DailyScores] = [:]
    private var summariesByDayAndAgency: [[Int]: [(AccountSummary, AccountRisk)]] = [:]
    private var encodedSummariesByDayAndAgency: [[Int]: [EncodedObject]] = [:]
    private var featureUsageByDayAgencyAndDays: [[Int]: [FeatureUsage]] = [:]

    /// Past days kept computed in memory (per agency); beyond, all but
    /// data_through are dropped, so a long-running server asked about many
    /// days does not grow without bound.
    static let cachedDays = 128

    /// Refit the churn model of every week asked about, even when a run
    /// stored it (`vitals score --refit`).
    public let refit: Bool
    /// Weeks (their first days) whose churn model this context fitted, and
    /// weeks whose stored model it reused.
    public private(set) var fittedWeeks: Set<Int> = []
    public private(set) var reusedWeeks: Set<Int> = []

    /// - Parameters:
    ///   - eventsFrom: load only the event batches from this timestamp on,
    ///     the older ones as digests (``Store/loadDataset(eventsFrom:)``):
    ///     then only days whose windows start on or after it can be scored,
    ///     with stored churn models (`vitals score`'s nightly window).
    ///   - fitting: with `eventsFrom`, the weeks whose churn model the
    ///     caller has this context fit: their past days' events, months
    ///     before `eventsFrom`, are loaded for the accounts each fit learns
    ///     from alone (``ChurnModel/accountsLearntFrom(trackedAccounts:fitDay:firstDay:)``),
    ///     or for every account when a fit learns from all of them.
    ///   - paymentsFrom: with `eventsFrom`, the first payment the days
    ///     scored read (``Scorer/paymentWindowStart(days:config:baselinesKept:)``):
    ///     the older ones may be left packed. Not for a load that fits.
    ///   - runs: the store's score runs, when the caller read them already.
    ///   - models: the store's weekly churn models, when the caller read them already.
    public init(store: Store, config: ScoringConfig = .standard, useMaterialized: Bool = true, eventsFrom: Int64? = nil,
                paymentsFrom: Int64? = nil, fitting: Set<Int> = [], refit: Bool = false, runs: [ScoreRun]? = nil,
                models: [StoredChurnModel]? = nil) throws {
        self.store = store
        (dataset, index) = try Self.load(store, eventsFrom: eventsFrom, paymentsFrom: paymentsFrom, fitting: fitting, config: config)
        self.config = config
        self.useMaterialized = useMaterialized
        self.refit = refit
        guard let latest = Analytics.latestDay(of: dataset) else { throw AnalyticsError.noData }
        defaultAsOf = latest
        dataFrom = Analytics.firstDay(of: dataset).map(AsOf.init(day:)) ?? latest
        self.runs = Dictionary(uniqueKeysWithValues: try (runs ?? store.scoreRuns()).map { ($0.asOfDay, $0) })
        storedModels = try models ?? store.churnModels()
        metadataChanges = try store.metadataChanges()
    }

    /// The dataset for days scored from `eventsFrom` on, with the past days
    /// of `fitting`'s fits: a load whose longer history is the fits'
    /// sampled accounts, checked against the loaded entities (a write
    /// between the two reads: the load is done again for every account).
    /// A fit's past days read payments months back: a load that fits reads
    /// every payment.
    static func load(_ store: Store, eventsFrom: Int64?, paymentsFrom: Int64?, fitting: Set<Int>,
                     config: ScoringConfig) throws -> (Dataset, DatasetIndex) {
        guard let from = eventsFrom, !fitting.isEmpty else {
            let dataset = try store.loadDataset(eventsFrom: eventsFrom, paymentsFrom: eventsFrom == nil ? nil : paymentsFrom)
            return (dataset, DatasetIndex(dataset))
        }
        let fitFrom = Self.fitWindowStart(weeks: fitting, config: config)!
        guard fitFrom < from else {
            let dataset = try store.loadDataset(eventsFrom: from)
            return (dataset, DatasetIndex(dataset))
        }
        func learntFrom(_ tracked: [[Int]], firstDay: Int) -> Set<Int>? {
            var accounts: Set<Int> = []
            for week in fitting {
                guard let some = ChurnModel.accountsLearntFrom(trackedAccounts: tracked, fitDay: week, firstDay: firstDay) else { return nil }
                accounts.formUnion(some)
            }
            return accounts
        }
        if let first = try store.eventSpan()?.first, let accounts = learntFrom(try store.trackedAccountsByAgency(), firstDay: CivilTime.day(ofSeconds: first)) {
            var mask = [Bool](repeating: false, count: (accounts.max() ?? -1) + 1)
            for account in accounts { mask[account] = true }
            let dataset = try store.loadDataset(eventsFrom: from, longerHistory: (fitFrom, mask))
            let index = DatasetIndex(dataset)
            if let firstDay = Analytics.firstDay(of: dataset), let loaded = learntFrom(index.trackedAccounts, firstDay: firstDay),
               loaded.isSubset(of: accounts) {
                return (dataset, index)
            }
        }
        let dataset = try store.loadDataset(eventsFrom: fitFrom)
        return (dataset, DatasetIndex(dataset))
    }

    /// The first event timestamp the fits of `weeks` read: the lookback of
    /// the earliest one's earliest training day
    /// (``ChurnModel/earliestTrainingDay(forWeek:)``). Nil: no week.
    public static func fitWindowStart(weeks: Set<Int>, config: ScoringConfig) -> Int64? {
        weeks.map(ChurnModel.earliestTrainingDay(forWeek:)).min().map { AsOf(day: $0).start(lastDays: Analytics.eventLookbackDays(config)) }
    }

    /// The scoring config as runs store it (sorted keys): a stored model is
    /// reused only under the config it was fitted with.
    public static func configJSON(_ config: ScoringConfig) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try! encoder.encode(config), as: UTF8.self)
    }

    /// A churn model as runs and the model table store it (sorted keys).
    public static func modelJSON(_ model: ChurnModel) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try! encoder.encode(model), as: UTF8.self)
    }

    /// The stored churn model of the week starting `week` under `config`,
    /// fitted with today's features; nil when there is none.
    public static func storedModel(_ models: some Sequence<StoredChurnModel>, week: Int, config: ScoringConfig) -> ChurnModel? {
        let fittedFor = CivilTime.formatDate(days: week), configJSON = configJSON(config)
        guard let stored = models.first(where: { $0.fittedFor == week && $0.configJSON == configJSON }),
              let model = try? JSONDecoder().decode(ChurnModel.self, from: Data(stored.modelJSON.utf8)),
              model.fittedFor == fittedFor, model.names == ChurnFeatures.names,
              model.version == ChurnModel.currentVersion else { return nil }
        return model
    }

    /// The models this context fitted, as the store keeps them: `vitals
    /// score` writes them with its results.
    public var fittedModels: [StoredChurnModel] {
        lock.withLock {
            fittedWeeks.sorted().compactMap { week in
                modelsByDay[week].map { StoredChurnModel(fittedFor: week, configJSON: Self.configJSON(config), modelJSON: Self.modelJSON($0)) }
            }
        }
    }

    /// Whether an agency's results for `day` may be read from the store
    /// (``MaterializedSource/isMaterialized(_:metadataChange:)``), unless
    /// this context computes everything.
    public func isMaterialized(_ day: AsOf, agency: Int) -> Bool {
        useMaterialized && Self.isMaterialized(runs[day.day], metadataChange: metadataChanges[agency])
    }

    public func agencyKey(_ agencyID: String) -> Int? { dataset.agencyKey(agencyID) }

    /// Each of ``summaries(agency:asOf:)``'s summaries as JSON text, in the
    /// same order, encoded once per agency and day: the lists an account
    /// appears in (tracked, at risk, health movers) write its text again
    /// with their own fields added, instead of encoding it again each.
    func encodedSummaries(agency: Int, asOf day: AsOf) -> [EncodedObject] {
        if let cached = lock.withLock({ encodedSummariesByDayAndAgency[[day.day, agency]] }) { return cached }
        let made = summaries(agency: agency, asOf: day).map { EncodedObject($0.0) }
        lock.withLock { remember(made, day: day.day, agency: agency, in: &encodedSummariesByDayAndAgency) }
        return made
    }

    /// Drops what a day's answers of an agency were built from once its
    /// results are written: its account rows (``summaries(agency:asOf:)``,
    /// ``encodedSummaries(agency:asOf:)``) and its feature usage.
    /// `vitals score` reads them for the agency's lists alone, and kept for
    /// every agency they were the most of a 100 M night's growth while it
    /// scored (an `AccountRisk`, a summary and its text per account).
    /// A later call builds them again.
    /// With `scores`, its scores and churn risks too (``scored(agency:asOf:)``),
    /// when nothing reads them after the agency's results (no playbook runs
    /// on the day).
    func forgetAnswerInputs(agency: Int, asOf day: AsOf, scores: Bool = false) {
        lock.withLock {
            summariesByDayAndAgency[[day.day, agency]] = nil
            encodedSummariesByDayAndAgency[[day.day, agency]] = nil
            featureUsageByDayAgencyAndDays = featureUsageByDayAgencyAndDays.filter { $0.key[0] != day.day || $0.key[1] != agency }
            if scores { scoredByDayAndAgency[[day.day, agency]] = nil }
        }
    }

    /// The agency's feature usage over the `days` before `day`
    /// (``Analytics/featureUsage(_:days:)``), computed once: the feature
    /// metrics and the adoption gaps both read the 30 days'.
    func featureUsage(agency: Int, asOf day: AsOf, days: Int) -> [FeatureUsage] {
        let key = [day.day, agency, days]
        if let cached = lock.withLock({ featureUsageByDayAgencyAndDays[key] }) { return cached }
        let made = analytics(day).featureUsage(scored(agency: agency, asOf: day).scores, days: days)
        lock.withLock { remember(made, key: key, in: &featureUsageByDayAgencyAndDays) }
        return made
    }

    /// An agency's account rows of a day, built by `make` once (see ``summaries(agency:asOf:)``).
    func cachedSummaries(agency: Int, day: AsOf, _ make: () -> [(AccountSummary, AccountRisk)]) -> [(AccountSummary, AccountRisk)] {
        if let cached = lock.withLock({ summariesByDayAndAgency[[day.day, agency]] }) { return cached }
        let made = make()
        lock.withLock { remember(made, day: day.day, agency: agency, in: &summariesByDayAndAgency) }
        return made
    }

    // MARK: - Health history

    /// The agency's compact scores of `day` as the history kept them (nil:
    /// not scored), read from the store once. Only the days asked for are
    /// read: the history of a store scored every night grows by a day a
    /// night, and a night reads the few days it compares with.
    func kept(agency: Int, day: Int) -> DailyScores? {
        kept(agency: agency, days: day ... day)[day]
    }

    /// The kept days of `agency` in `days`, by day; one read of the store
    /// for the days not read before.
    func kept(agency: Int, days: ClosedRange<Int>) -> [Int: DailyScores] {
        let known: [Int: DailyScores?] = lock.withLock {
            var known: [Int: DailyScores?] = [:]
            for day in days { if let entry = keptByDayAndAgency[[day, agency]] { known[day] = entry } }
            return known
        }
        guard known.count < days.count else { return known.compactMapValues { $0 } }
        let missing = days.filter { known[$0] == nil }
        let read = (try? store.healthHistory(agencyKey: agency, days: missing.first! ... missing.last!)) ?? []
        var found = known.compactMapValues { $0 }
        lock.withLock {
            if keptByDayAndAgency.count >= Self.keptDaysCached { keptByDayAndAgency = [:] }
            for day in missing { keptByDayAndAgency[[day, agency]] = .some(nil) }
            for scores in read {
                keptByDayAndAgency[[scores.day, agency]] = .some(scores)
                found[scores.day] = scores
            }
        }
        return found
    }

    /// Reads `day`'s kept scores of every agency at once (``Store/healthHistory(day:)``),
    /// for the calls that read them after (a night's health-change
    /// baselines): one read, where each agency on each core made its own.
    /// A failed read leaves them to be read one by one.
    func keepEveryAgency(day: Int) {
        guard let read = try? store.healthHistory(day: day) else { return }
        lock.withLock {
            if keptByDayAndAgency.count + dataset.agencies.count > Self.keptDaysCached { keptByDayAndAgency = [:] }
            for agency in dataset.agencies.indices { keptByDayAndAgency[[day, agency]] = .some(read[agency]) }
        }
    }

    /// How many (day, agency) entries of the history are kept in memory
    /// before they are dropped: a server answering trends of many days
    /// keeps a bounded part of the history.
    static let keptDaysCached = 20_000

    /// The newest day scored before this context was loaded (nil: none).
    public var newestScoredDay: Int? { runs.keys.max() }

    /// The paying accounts of each band on the scored days T, T − 7, … (up
    /// to `weeks` days that the history kept), oldest first: the report's
    /// health distribution.
    public func weeklyBands(agency: Int, asOf day: AsOf, weeks: Int) -> [(day: Int, counts: [HealthBand: Int])] {
        let kept = kept(agency: agency, days: day.day - 7 * max(0, weeks - 1) ... day.day)
        return (0 ..< weeks).reversed().compactMap { week -> (day: Int, counts: [HealthBand: Int])? in
            guard let scores = kept[day.day - 7 * week] else { return nil }
            var counts: [HealthBand: Int] = [.healthy: 0, .watch: 0, .atRisk: 0]
            for position in 0 ..< scores.count where !scores.churned(at: position) {
                counts[scores.band(at: position, config.bands), default: 0] += 1
            }
            return (scores.day, counts)
        }
    }

    /// Drops the history read so far: after `vitals score` wrote new days,
    /// the next look reads them (the playbooks' health-drop baselines).
    public func forgetHistory() {
        lock.withLock { keptByDayAndAgency = [:] }
    }

    /// An agency's compact scores on `day`: as scored that night when the
    /// history has the day, else computed from the columns now.
    func dailyScores(agency: Int, day: AsOf) -> (scores: DailyScores, fromHistory: Bool) {
        if let kept = kept(agency: agency, day: day.day) { return (kept, true) }
        if let made = lock.withLock({ computedDays[[day.day, agency]] }) { return (made, false) }
        let made = scored(agency: agency, asOf: day).daily(day: day.day, agency: agency)
        lock.withLock { remember(made, day: day.day, agency: agency, in: &computedDays) }
        return (made, false)
    }

    /// The health and components of each tracked account of `agency` on
    /// `day`: from the history when it has the day, else computed from the
    /// columns without the churn model (a health change needs no risk, and
    /// fitting the model of the baseline's week cost a cold score at 100 M
    /// events about 1.2 s of its 10). A computed day's churn risk and
    /// signals are left at 0: what needs them (the at-risk comparison, the
    /// revenue attribution) asks ``dailyScores(agency:day:)``.
    func dailyHealth(agency: Int, day: AsOf) -> (scores: DailyScores, fromHistory: Bool) {
        if let kept = kept(agency: agency, day: day.day) { return (kept, true) }
        if let made = lock.withLock({ computedDays[[day.day, agency]] ?? computedHealth[[day.day, agency]] }) { return (made, false) }
        var made = DailyScores(day: day.day, agencyKey: agency)
        for score in analytics(day).agencyScores(agency, featureUniverse: false).scores {
            made.append(accountKey: score.account, health: score.health.score,
                        components: score.health.components.values,
                        churnRisk: 0, signalBits: 0, mrrCents: score.facts.mrrCents)
        }
        lock.withLock { remember(made, day: day.day, agency: agency, in: &computedHealth) }
        return (made, false)
    }

    /// The days a health change looks back by default (rows, get_account,
    /// the movers' default): a scored day may compute the day that far back.
    public static let healthChangeDays = 7

    /// Health now minus health then, to one decimal: the one definition of
    /// a health change (rows, get_account, the movers).
    static func healthChange(_ now: Double, from then: Double) -> Double { ((now - then) * 10).rounded() / 10 }

    /// The scores `days` days before `day`, or nil when that day precedes the data.
    func baseline(agency: Int, asOf day: AsOf, days: Int) -> DailyScores? {
        let baselineDay = AsOf(day: day.day - days)
        guard baselineDay >= dataFrom else { return nil }
        return dailyHealth(agency: agency, day: baselineDay).scores
    }

    /// One account's health change over the `days` days before `day`, from
    /// the history where both days were scored (no agency-wide scoring).
    func healthChange(of account: Int, agency: Int, asOf day: AsOf, days: Int = healthChangeDays) -> Double? {
        guard let then = baseline(agency: agency, asOf: day, days: days) else { return nil }
        let now = dailyScores(agency: agency, day: day).scores
        guard let p = now.position(of: account), let q = then.position(of: account) else { return nil }
        return Self.healthChange(now.health(at: p), from: then.health(at: q))
    }

    /// Each tracked account's health change over the `days` days before
    /// `day` (health on `day` minus health on `day − days`), by account key;
    /// empty when `day − days` precedes the data.
    func healthChanges(agency: Int, asOf day: AsOf, days: Int = healthChangeDays) -> [Int: Double] {
        guard let then = baseline(agency: agency, asOf: day, days: days) else { return [:] }
        var changes: [Int: Double] = [:]
        for risk in scored(agency: agency, asOf: day).risks {
            guard let position = then.position(of: risk.accountKey) else { continue }
            changes[risk.accountKey] = Self.healthChange(risk.health, from: then.health(at: position))
        }
        return changes
    }

    /// A materialized agency-wide result, read from the store, parsed and
    /// its references resolved once, then served from memory (a new
    /// context follows a new score run).
    public func materializedResult(asOf day: AsOf, agency: Int, tool: String) -> JSONValue? {
        let key = "\(day.day)/\(agency)/\(tool)"
        if let cached = lock.withLock({ materializedResults[key] }) { return cached }
        guard let result = store.materializedResult(asOf: day, agency: agency, tool: tool) else { return nil }
        lock.withLock { materializedResults[key] = result }
        return result
    }

    /// Analytics as of `day`, cached.
    public func analytics(_ day: AsOf) -> Analytics {
        lock.lock()
        defer { lock.unlock() }
        if let cached = analyticsByDay[day.day] { return cached }
        // The dataset is not empty (init checked), so this cannot fail.
        let analytics = try! Analytics(dataset: dataset, index: index, asOf: day, config: config)
        if analyticsByDay.count >= Self.cachedDays { analyticsByDay = analyticsByDay.filter { $0.key == defaultAsOf.day } }
        analyticsByDay[day.day] = analytics
        return analytics
    }

    /// The churn model for `day`: its week's (``ChurnModel/fitDay(for:)``),
    /// as the store keeps it, else fitted now on the history before the
    /// week's first day. Every path (materialized, computed, `--fresh`, a
    /// backfill) scores a day with the same model.
    public func model(_ day: AsOf) -> ChurnModel {
        let week = ChurnModel.fitDay(for: day.day)
        lock.lock()
        if let cached = modelsByDay[week] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let stored = refit ? nil : Self.storedModel(storedModels, week: week, config: config)
        let model = stored ?? ChurnModel.fitForWeek(of: analytics(AsOf(day: week)))
        lock.lock()
        modelsByDay[week] = model
        if stored != nil { reusedWeeks.insert(week) } else { fittedWeeks.insert(week) }
        lock.unlock()
        return model
    }

    /// Keeps `value` for (`day`, `agency`) in one of the per-day caches:
    /// once it holds ``cachedDays`` days of every agency, all but the
    /// default day's are dropped first. Called under `lock`.
    private func remember<Value>(_ value: Value, day: Int, agency: Int, in cache: inout [[Int]: Value]) {
        remember(value, key: [day, agency], in: &cache)
    }

    /// The same for a cache whose keys are the day, then more.
    private func remember<Value>(_ value: Value, key: [Int], in cache: inout [[Int]: Value]) {
        if cache.count >= Self.cachedDays * max(1, dataset.agencies.count) {
            cache = cache.filter { $0.key[0] == defaultAsOf.day }
        }
        cache[key] = value
    }

    /// An agency's scores and churn risks as of `day`, cached.
    public func scored(agency: Int, asOf day: AsOf) -> ScoredAgency {
        lock.lock()
        if let cached = scoredByDayAndAgency[[day.day, agency]] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let scored = analytics(day).scoredAgency(agency, model: model(day))
        lock.withLock { remember(scored, day: day.day, agency: agency, in: &scoredByDayAndAgency) }
        return scored
    }
}
