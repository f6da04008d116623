import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// What answering a call from the materialized results reads of a store: a
/// loaded ``ToolContext``, or ``StoredAnswers`` (the store's tables alone).
public protocol MaterializedSource {
    /// T when a call gives no `as_of`: the latest event day (`data_through`).
    var defaultAsOf: AsOf { get }
    /// The earliest event day: an `as_of` before it has nothing to score.
    var dataFrom: AsOf { get }
    func agencyKey(_ agencyID: String) -> Int?
    /// Whether an agency's results for `day` may be read from the store.
    func isMaterialized(_ day: AsOf, agency: Int) -> Bool
    /// A materialized agency-wide result, its ``StoredReferences``
    /// resolved (``Store/materializedResult(asOf:agency:tool:)``); nil when
    /// the store has none, or holds no more what it refers to.
    func materializedResult(asOf day: AsOf, agency: Int, tool: String) -> JSONValue?
}

extension Store {
    /// A stored default result as callers read it: parsed, and its rows'
    /// references resolved (``StoredReferences``) from the day's other
    /// stored results, the accounts' stored detail, the store's accounts
    /// and users, and the health history.
    func materializedResult(asOf day: AsOf, agency: Int, tool: String) -> JSONValue? {
        StoredSources(store: self, day: day, agency: agency).result(tool)
    }
}

/// What the references of one agency's stored results of a day stand for,
/// each read from the store once, when a row first needs it.
private final class StoredSources {
    let store: Store
    let day: AsOf
    let agency: Int

    init(store: Store, day: AsOf, agency: Int) {
        self.store = store
        self.day = day
        self.agency = agency
    }

    /// A stored result, parsed, its references resolved.
    func result(_ tool: String) -> JSONValue? {
        guard let text = try? store.agencyResult(asOfDay: day.day, agencyKey: agency, tool: tool),
              let parsed = try? JSONValue.parse(text) else { return nil }
        return StoredReferences.resolve(parsed, summaries: { self.result(StoredReferences.summariesTool) }, details: {
            // The stored detail made into the JSON the scorer's own would be.
            self.risks?.mapValues { String(decoding: JSONTextWriter.text(of: $0), as: UTF8.self) }
        }, accounts: { self.summaries }, movers: { self.moverFields($0, comparedTo: parsed["compared_to"]?.stringValue) }, users: { keys in
            (try? self.store.userReferences(keys))?.mapValues { user in
                ["user_id": .string(user.userID), "account_id": .string(user.accountID), "email": .string(user.email), "key_user": .bool(user.keyUser)]
            }
        })
    }

    /// Each account's stored detail, by account key.
    lazy var risks: [Int: AccountRisk]? = {
        guard let scores = try? store.materializedScores(asOfDay: day.day, agencyKey: agency) else { return nil }
        return Dictionary(scores.compactMap { score in AccountRisk(stored: score.detail).map { (score.accountKey, $0) } }) { first, _ in first }
    }()

    /// Each account's summary (no health change), made from its stored
    /// detail and its row of the store's accounts, by account key.
    lazy var summaries: [Int: [String: JSONValue]]? = {
        guard let risks, let records = try? store.accounts(agencyKey: agency) else { return nil }
        var summaries: [Int: [String: JSONValue]] = [:]
        for record in records {
            guard let risk = risks[record.key],
                  case let .object(fields)? = try? JSONValue.parse(bytes: JSONTextWriter.text(of: AccountSummary(risk, record))) else { continue }
            summaries[record.key] = fields
        }
        return summaries
    }()

    /// A movers list's baseline day, from the history, and the weights and
    /// bands of the day's run: nil when the history or the run lacks them.
    private var moverInputs: (then: DailyScores, weights: [Double], bands: ScoringConfig.Bands)??

    /// A mover's own fields over the baseline day `comparedTo`, written
    /// again as the tool writes them.
    func moverFields(_ key: Int, comparedTo: String?) -> [String: JSONValue]? {
        if moverInputs == nil {
            moverInputs = .some({
                guard let comparedTo, let baseline = CivilTime.parseDate(comparedTo),
                      let then = (try? store.healthHistory(agencyKey: agency, days: baseline ... baseline))?.first,
                      let run = (try? store.scoreRuns())?.first(where: { $0.asOfDay == day.day }),
                      let config = try? JSONDecoder().decode(ScoringConfig.self, from: Data(run.configJSON.utf8)) else { return nil }
                return (then, ReadTools.moverWeights(config), config.bands)
            }())
        }
        guard let inputs = moverInputs ?? nil, let risk = risks?[key], let position = inputs.then.position(of: key) else { return nil }
        let own = JSONValue.writtenObject { json in
            ReadTools.writeMoverFields(&json, now: risk.components, then: inputs.then, position: position, weights: inputs.weights,
                                       bands: inputs.bands, change: ToolContext.healthChange(risk.health, from: inputs.then.health(at: position)))
        }
        guard case let .object(fields)? = try? JSONValue.parse(bytes: own.utf8()) else { return nil }
        return fields
    }
}

extension MaterializedSource {
    /// The range of days an `as_of` may name: the first through the latest event day.
    public func checkAsOf(_ day: AsOf, argument: String = "as_of") throws(ToolError) {
        guard day >= dataFrom, day <= defaultAsOf else {
            throw ToolError("\(argument) \(day) is outside the data: events run from \(dataFrom) through \(defaultAsOf) (data_through); "
                + "pass a day in that range, or leave as_of out for \(defaultAsOf)")
        }
    }

    /// Whether `run` (nil: none) may answer for an agency whose latest
    /// priority or key-user write has data version `metadataChange`: the
    /// run kept the day's detail, and no such write came after it (its
    /// results would show the old values).
    static func isMaterialized(_ run: ScoreRun?, metadataChange: Int64?) -> Bool {
        guard let run, run.detailed else { return false }
        return (metadataChange ?? .min) < run.dataVersion
    }
}

/// The materialized answers of a store, read without loading its dataset:
/// what `vitals query` tries first (``ReadTools/storedAnswer(_:agencyID:arguments:answers:)``).
/// The days come from the event batches' catalog (their first and last
/// timestamps), which is what a load of every event finds.
public final class StoredAnswers: MaterializedSource, @unchecked Sendable {
    let store: Store
    public let defaultAsOf: AsOf
    public let dataFrom: AsOf
    let runs: [Int: ScoreRun]
    let metadataChanges: [Int: Int64]

    /// Nil when the store has no event (its days then come from the logs,
    /// which only a load reads).
    public init?(store: Store) throws(StoreError) {
        guard let span = try store.eventSpan() else { return nil }
        self.store = store
        dataFrom = AsOf(day: CivilTime.day(ofSeconds: span.first))
        defaultAsOf = AsOf(day: CivilTime.day(ofSeconds: span.last))
        runs = Dictionary(uniqueKeysWithValues: try store.scoreRuns().map { ($0.asOfDay, $0) })
        metadataChanges = try store.metadataChanges()
    }

    public func agencyKey(_ agencyID: String) -> Int? { (try? store.agencyKey(agencyID)) ?? nil }

    public func isMaterialized(_ day: AsOf, agency: Int) -> Bool {
        Self.isMaterialized(runs[day.day], metadataChange: metadataChanges[agency])
    }

    public func materializedResult(asOf day: AsOf, agency: Int, tool: String) -> JSONValue? {
        store.materializedResult(asOf: day, agency: agency, tool: tool)
    }
}
