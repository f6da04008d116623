import VitalsAnalytics
import VitalsColumnar
import VitalsStore

/// An account's score as every tool reports it (and as `vitals score`
/// materializes it): health with components, band, signals with evidence,
/// churn risk with its drivers, and the activity facts behind them.
public struct AccountRisk: Sendable, Equatable, Codable {
    public var accountKey: Int
    public var health: Double
    public var band: HealthBand
    public var components: HealthComponents
    /// Fired signals, heaviest first (their weight in the churn model).
    public var signals: [RiskSignalHit]
    /// Probability of MRR going to 0 within 90 days, 4 decimals; 1 for an
    /// account whose MRR is already 0 (churned: the outcome has happened).
    public var churnRisk: Double
    /// MRR(a, T) = 0.
    public var churned: Bool
    /// The day MRR went to 0 (`YYYY-MM-DD`); nil when paying or never paid.
    public var churnedSince: String?
    /// What pushes the churn risk up, largest first.
    public var drivers: [ChurnDriver]
    public var users: Int
    public var wau: Int
    public var mau: Int
    public var daysSinceLogin: Int?
    public var mrrCents: Int64

    init(accountKey: Int, health: Double, band: HealthBand, components: HealthComponents, signals: [RiskSignalHit], churnRisk: Double,
         churned: Bool, churnedSince: String?, drivers: [ChurnDriver], users: Int, wau: Int, mau: Int, daysSinceLogin: Int?, mrrCents: Int64) {
        self.accountKey = accountKey
        self.health = health
        self.band = band
        self.components = components
        self.signals = signals
        self.churnRisk = churnRisk
        self.churned = churned
        self.churnedSince = churnedSince
        self.drivers = drivers
        self.users = users
        self.wau = wau
        self.mau = mau
        self.daysSinceLogin = daysSinceLogin
        self.mrrCents = mrrCents
    }

    init(score: AccountScore, churnRisk: Double, drivers: [ChurnDriver], signals: [RiskSignalHit], churnedSince: Int?, asOf: AsOf) {
        accountKey = score.account
        health = score.health.score
        band = score.health.band
        components = score.health.components
        self.signals = signals
        churned = score.facts.mrrCents == 0
        self.churnedSince = churned ? churnedSince.map(CivilTime.formatDate(days:)) : nil
        self.churnRisk = churned ? 1 : (churnRisk * 10000).rounded() / 10000
        self.drivers = churned ? [] : drivers
        users = score.facts.users
        wau = score.facts.wau
        mau = score.facts.mau
        daysSinceLogin = score.facts.daysSinceLogin(asOf: asOf)
        mrrCents = score.facts.mrrCents
    }
}

/// An agency's scores as of one day, with churn risk from one model.
public struct ScoredAgency: Sendable {
    public var scores: AgencyScores
    /// Parallel to `scores.scores`.
    public var risks: [AccountRisk]

    public func risk(of account: Int) -> AccountRisk? {
        guard let position = position(of: account) else { return nil }
        return risks[position]
    }

    /// The position of a tracked account (accounts are in key order).
    func position(of account: Int) -> Int? {
        var low = 0, high = risks.count
        while low < high {
            let mid = (low + high) / 2
            if risks[mid].accountKey < account { low = mid + 1 } else { high = mid }
        }
        return low < risks.count && risks[low].accountKey == account ? low : nil
    }
}

extension Analytics {
    /// Scores an agency and rates its churn risk with `model`.
    public func scoredAgency(_ agency: Int, model: ChurnModel) -> ScoredAgency {
        let scores = agencyScores(agency)
        let features = churnFeatures(scores)
        let (churnRisks, floor) = model.risks(features, paying: scores.scores.map { $0.facts.mrrCents > 0 })
        let risks = zip(zip(scores.scores, features), churnRisks).map { pair, churnRisk in
            let (score, inputs) = pair
            // A churned account has no drivers (``AccountRisk``): none are weighed for it.
            let drivers = score.facts.mrrCents == 0 ? [] : model.drivers(inputs, floor: floor) { Self.driverEvidence($0, score: score) }
            return AccountRisk(score: score, churnRisk: churnRisk, drivers: drivers,
                        signals: model.ranked(score.signals),
                        churnedSince: churnedSince(score.account, on: asOf.day), asOf: asOf)
        }
        return ScoredAgency(scores: scores, risks: risks)
    }
}

extension Analytics {
    /// What a health component or a signal driving the risk saw, in words
    /// (the own-history features say it themselves: ``ChurnFeatures/evidence(of:)``).
    static func driverEvidence(_ name: String, score: AccountScore) -> String? {
        if let hit = score.signals.first(where: { $0.signal.rawValue == name }) { return hit.evidence }
        let facts = score.facts
        switch name {
        case "activity": return "\(facts.wau) weekly active of \(facts.users) users"
        case "recency": return facts.lastLoginDay.map { "last login on \(CivilTime.formatDate(days: $0))" } ?? "no login ever"
        case "breadth": return "\(facts.features) features used in the breadth window"
        case "trend": return "\(facts.usesTrend) feature uses in the trend window, \(facts.usesTrendPrevious) in the one before"
        case "payments": return "\(facts.failedPayments) failed payments in the payment window"
        case "sentiment": return facts.latestNPS.map { "latest NPS \($0)" } ?? "no NPS in the sentiment window"
        default: return nil
        }
    }
}

extension ScoredAgency {
    /// The compact form the health history keeps (``DailyScores``).
    public func daily(day: Int, agency: Int) -> DailyScores {
        var daily = DailyScores(day: day, agencyKey: agency)
        for risk in risks {
            daily.append(accountKey: risk.accountKey, health: risk.health,
                         components: risk.components.values,
                         churnRisk: risk.churnRisk, signalBits: RiskSignal.bits(risk.signals.map(\.signal)), mrrCents: risk.mrrCents)
        }
        return daily
    }
}

extension RiskSignal {
    /// A set of signals as the health history stores it: bit i for `allCases[i]`.
    static func bits(_ signals: [RiskSignal]) -> UInt8 {
        var bits: UInt8 = 0
        for (i, signal) in ordered.enumerated() where signals.contains(signal) { bits |= 1 << i }
        return bits
    }

    /// The signals of a stored bit set, in DESIGN.md's order.
    static func signals(_ bits: UInt8) -> [RiskSignal] {
        ordered.enumerated().filter { bits & (1 << $0.offset) != 0 }.map(\.element)
    }
}

extension DailyScores {
    func band(at position: Int, _ bands: ScoringConfig.Bands) -> HealthBand { HealthBand(score: health(at: position), bands: bands) }
    func churned(at position: Int) -> Bool { mrrCents[position] == 0 }
}
