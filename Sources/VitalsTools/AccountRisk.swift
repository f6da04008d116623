import VitalsAnalytics

/// An account's score as every tool reports it (and as `vitals score`
/// materializes it): health with components, band, signals with evidence,
/// churn risk with its drivers, and the activity facts behind them.
public struct AccountRisk: Sendable, Equatable, Codable {
    public var accountKey: Int
    public var health: Double
    public var band: HealthBand
    public var components: HealthComponents
    public var signals: [RiskSignalHit]
    /// Probability of MRR going to 0 within 90 days, 4 decimals; 1 for an
    /// account whose MRR is already 0 (churned: the outcome has happened).
    public var churnRisk: Double
    /// MRR(a, T) = 0.
    public var churned: Bool
    /// What pushes the churn risk up, largest first.
    public var drivers: [ChurnDriver]
    public var users: Int
    public var wau: Int
    public var mau: Int
    public var daysSinceLogin: Int?
    public var mrrCents: Int64

    init(score: AccountScore, churnRisk: Double, drivers: [ChurnDriver], asOf: AsOf) {
        accountKey = score.account
        health = score.health.score
        band = score.health.band
        components = score.health.components
        signals = score.signals
        churned = score.facts.mrrCents == 0
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
        guard let position = scores.scores.firstIndex(where: { $0.account == account }) else { return nil }
        return risks[position]
    }
}

extension Analytics {
    /// Scores an agency and rates its churn risk with `model`.
    public func scoredAgency(_ agency: Int, model: ChurnModel) -> ScoredAgency {
        let scores = agencyScores(agency)
        let features = churnFeatures(scores)
        let risks = zip(scores.scores, features).map { score, inputs in
            AccountRisk(score: score, churnRisk: model.risk(inputs), drivers: model.drivers(inputs), asOf: asOf)
        }
        return ScoredAgency(scores: scores, risks: risks)
    }
}
