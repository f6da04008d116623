import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// What every tool call runs against: the loaded dataset, the store's
/// materialized results, and caches of per-day analytics (so repeated
/// calls for one day do not rescan the columns).
public final class ToolContext: @unchecked Sendable {
    public let store: Store
    public let dataset: Dataset
    public let index: DatasetIndex
    public let config: ScoringConfig
    /// Answer from materialized results when the arguments match their
    /// defaults; false: always compute from the columns.
    public let useMaterialized: Bool
    /// T when a call gives no `as_of`: the latest event day.
    public let defaultAsOf: AsOf
    /// Materialized runs by as-of day.
    let runs: [Int: ScoreRun]

    private let lock = NSLock()
    private var analyticsByDay: [Int: Analytics] = [:]
    private var modelsByDay: [Int: ChurnModel] = [:]
    private var scoredByDayAndAgency: [[Int]: ScoredAgency] = [:]
    private var materializedResults: [String: JSONValue] = [:]

    public init(store: Store, config: ScoringConfig = .standard, useMaterialized: Bool = true) throws {
        self.store = store
        dataset = try store.loadDataset()
        index = DatasetIndex(dataset)
        self.config = config
        self.useMaterialized = useMaterialized
        guard let latest = Analytics.latestDay(of: dataset) else { throw AnalyticsError.noData }
        defaultAsOf = latest
        runs = Dictionary(uniqueKeysWithValues: try store.scoreRuns().map { ($0.asOfDay, $0) })
    }

    /// Whether `day` has materialized results this context may use.
    func isMaterialized(_ day: AsOf) -> Bool { useMaterialized && runs[day.day] != nil }

    /// A materialized agency-wide result, read from the store and parsed
    /// once, then served from memory (a new context follows a new score run).
    func materializedResult(asOf day: AsOf, agency: Int, tool: String) -> JSONValue? {
        let key = "\(day.day)/\(agency)/\(tool)"
        if let cached = lock.withLock({ materializedResults[key] }) { return cached }
        guard let text = try? store.agencyResult(asOfDay: day.day, agencyKey: agency, tool: tool),
              let parsed = try? JSONValue.parse(text) else { return nil }
        lock.withLock { materializedResults[key] = parsed }
        return parsed
    }

    /// Analytics as of `day`, cached.
    public func analytics(_ day: AsOf) -> Analytics {
        lock.lock()
        defer { lock.unlock() }
        if let cached = analyticsByDay[day.day] { return cached }
        // The dataset is not empty (init checked), so this cannot fail.
        let analytics = try! Analytics(dataset: dataset, index: index, asOf: day, config: config)
        analyticsByDay[day.day] = analytics
        return analytics
    }

    /// The churn model for `day`: the one materialized with that day, else
    /// the latest materialized one, else (and always when materialized
    /// results are not to be used) fitted on the history before `day`.
    public func model(_ day: AsOf) -> ChurnModel {
        lock.lock()
        if let cached = modelsByDay[day.day] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let stored = useMaterialized ? runs[day.day] ?? runs.values.max { $0.asOfDay < $1.asOfDay } : nil
        let model = stored.flatMap { try? JSONDecoder().decode(ChurnModel.self, from: Data($0.modelJSON.utf8)) }
            ?? ChurnModel.fit(history: analytics(day))
        lock.lock()
        modelsByDay[day.day] = model
        lock.unlock()
        return model
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
        lock.lock()
        scoredByDayAndAgency[[day.day, agency]] = scored
        lock.unlock()
        return scored
    }
}
