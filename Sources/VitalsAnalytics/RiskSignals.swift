import VitalsColumnar
import VitalsStore
/// The seven risk signals of DESIGN.md, in its order.
public enum RiskSignal: String, Sendable, Codable, CaseIterable {
    case noLogin14d = "no_login_14d"
    case usageDrop = "usage_drop"
    case failedPayment = "failed_payment"
    case detractor = "detractor"
    case renewalSoon = "renewal_soon"
    case lowSeatUse = "low_seat_use"
    case championInactive = "champion_inactive"

    /// `allCases` made once (the synthesized property builds an array per read).
    public static let ordered = allCases
}

/// A signal that fired, with the number that made it fire.
public struct RiskSignalHit: Sendable, Equatable, Codable {
    public var signal: RiskSignal
    /// The evidence value: days since the last login (nil: never),
    /// the usage change ratio, failed payments, the NPS score, days to
    /// renewal, wau/seats, inactive key users.
    public var value: Double?
    /// The evidence in words, for people and agents.
    public var evidence: String
    /// What firing adds to the churn model's log-odds (its weight): signals
    /// are reported heaviest first. Nil until the model has weighed it.
    public var weight: Double?

    public init(signal: RiskSignal, value: Double?, evidence: String, weight: Double? = nil) {
        self.signal = signal
        self.value = value
        self.evidence = evidence
        self.weight = weight
    }
}

extension RiskSignalHit {
    /// The signals an account's facts fire, in DESIGN.md's order.
    public static func evaluate(_ facts: AccountFacts, asOf: AsOf) -> [RiskSignalHit] {
        var hits: [RiskSignalHit] = []
        let days = facts.daysSinceLogin(asOf: asOf)
        if days == nil || days! >= 14 {
            hits.append(.init(signal: .noLogin14d, value: days.map(Double.init),
                              evidence: days.map { "last login \($0) days ago" } ?? "no user has ever logged in"))
        }
        let cur = facts.uses7, prev = facts.usesPrevious7
        if prev >= 10 {
            let change = Double(cur - prev) / Double(prev)
            if change <= -0.30 {
                hits.append(.init(signal: .usageDrop, value: change,
                                  evidence: "feature uses \(prev) → \(cur) week over week (\(percent(change)))"))
            }
        }
        if facts.failedPayments >= 1 {
            hits.append(.init(signal: .failedPayment, value: Double(facts.failedPayments),
                              evidence: "\(facts.failedPayments) failed payment\(facts.failedPayments == 1 ? "" : "s") in the last 30 days"))
        }
        if let nps = facts.latestNPS, nps <= 6 {
            hits.append(.init(signal: .detractor, value: Double(nps), evidence: "latest NPS \(nps)"))
        }
        if let toRenewal = facts.daysToRenewal, (0...30).contains(toRenewal) {
            hits.append(.init(signal: .renewalSoon, value: Double(toRenewal), evidence: "renews in \(toRenewal) days"))
        }
        if let seats = facts.seats, seats > 0 {
            let use = Double(facts.wau) / Double(seats)
            if use < 0.2 {
                hits.append(.init(signal: .lowSeatUse, value: use, evidence: "\(facts.wau) weekly active of \(seats) seats"))
            }
        }
        if facts.inactiveKeyUsers > 0 {
            hits.append(.init(signal: .championInactive, value: Double(facts.inactiveKeyUsers),
                              evidence: "\(facts.inactiveKeyUsers) of \(facts.keyUsers) key users without a login in 14 days"))
        }
        return hits
    }

    static func percent(_ ratio: Double) -> String {
        let value = (ratio * 1000).rounded(.toNearestOrAwayFromZero) / 10
        return (value > 0 ? "+" : "") + String(value) + "%"
    }
}
