import VitalsColumnar
import VitalsStore

/// A sum of cents and a count of accounts.
public struct MoneyCount: Sendable, Equatable, Codable {
    public var cents: Int64 = 0
    public var accounts: Int = 0

    public init(cents: Int64 = 0, accounts: Int = 0) {
        self.cents = cents
        self.accounts = accounts
    }

    mutating func add(_ cents: Int64) {
        self.cents += cents
        accounts += 1
    }
}

/// MRR movements of one calendar month (start = MRR at the last day of the
/// month before, end = at the last day of the month, capped at T).
public struct MonthlyMovements: Sendable, Equatable, Codable {
    /// `YYYY-MM`.
    public var month: String
    public var startMRRCents: Int64 = 0
    public var endMRRCents: Int64 = 0
    public var new = MoneyCount()
    public var reactivation = MoneyCount()
    public var expansion = MoneyCount()
    public var contraction = MoneyCount()
    public var churn = MoneyCount()
}

/// Net and gross revenue retention over [P0, P1].
public struct Retention: Sendable, Equatable, Codable {
    public var from: String
    public var to: String
    /// Tracked accounts with MRR(a, P0) > 0.
    public var cohortAccounts: Int
    public var startMRRCents: Int64
    public var endMRRCents: Int64
    /// Ratios are nil when the cohort is empty.
    public var nrr: Double?
    public var grr: Double?
    public var revenueChurn: Double?
    public var logoChurn: Double?
    public var churnedAccounts: Int
}

/// An upsell candidate.
public struct UpsellCandidate: Sendable, Equatable, Codable {
    public var accountID: String
    public var name: String
    public var mrrCents: Int64
    public var health: Double
    /// users(a) / seats, when seats > 0.
    public var seatUse: Double?
    public var trend: Double
    /// Why it qualifies: "seat_use", "trend" or both.
    public var reasons: [String]
}

extension Analytics {
    /// MRR movements of the 12 calendar months ending with T's month, oldest first.
    public func monthlyMovements(agency: Int, months: Int = 12) -> [MonthlyMovements] {
        movementMonths(months).map { month in
            var movements = MonthlyMovements(month: month.month)
            for account in index.trackedAccounts[agency] {
                let mrr = monthMRR(of: account, in: month)
                movements.startMRRCents += mrr.startMRRCents
                movements.endMRRCents += mrr.endMRRCents
                if let movement = mrr.movement { movements[movement].add(mrr.amountCents) }
            }
            return movements
        }
    }

    /// NRR, GRR, revenue churn and logo churn over [P0, P1] (default
    /// P1 = T, P0 = P1 − 365 days) for the agency's tracked accounts.
    public func retention(agency: Int, from p0: Int? = nil, to p1: Int? = nil) -> Retention {
        let end = p1 ?? asOf.day
        let start = p0 ?? end - 365
        var cohort = 0, churned = 0
        var startSum: Int64 = 0, endSum: Int64 = 0, grossSum: Int64 = 0, churnedSum: Int64 = 0
        for account in index.trackedAccounts[agency] {
            let s = mrr(of: account, on: start)
            guard s > 0 else { continue }
            let e = mrr(of: account, on: end)
            cohort += 1
            startSum += s
            endSum += e
            grossSum += min(s, e)
            if e == 0 {
                churned += 1
                churnedSum += s
            }
        }
        let base = Double(startSum)
        return Retention(from: CivilTime.formatDate(days: start), to: CivilTime.formatDate(days: end),
                         cohortAccounts: cohort, startMRRCents: startSum, endMRRCents: endSum,
                         nrr: cohort == 0 ? nil : Double(endSum) / base,
                         grr: cohort == 0 ? nil : Double(grossSum) / base,
                         revenueChurn: cohort == 0 ? nil : Double(churnedSum) / base,
                         logoChurn: cohort == 0 ? nil : Double(churned) / Double(cohort),
                         churnedAccounts: churned)
    }

    /// Healthy accounts whose seat use (users / seats, seats > 0) ≥ 0.8 or
    /// whose trend component ≥ 0.75, by MRR(a, T) × rounded health
    /// descending, ties by account_id.
    public func upsellCandidates(_ scores: AgencyScores) -> [UpsellCandidate] {
        var result: [UpsellCandidate] = []
        for score in scores.scores where score.health.band == .healthy {
            let seatUse = score.facts.seats.flatMap { $0 > 0 ? Double(score.facts.users) / Double($0) : nil }
            var reasons: [String] = []
            if let seatUse, seatUse >= 0.8 { reasons.append("seat_use") }
            if score.health.components.trend >= 0.75 { reasons.append("trend") }
            guard !reasons.isEmpty else { continue }
            let record = dataset.accounts[score.account]
            result.append(UpsellCandidate(accountID: record.accountID, name: record.name, mrrCents: score.facts.mrrCents,
                                          health: score.health.score, seatUse: seatUse,
                                          trend: score.health.components.trend, reasons: reasons))
        }
        result.sort { a, b in
            let ka = Double(a.mrrCents) * a.health, kb = Double(b.mrrCents) * b.health
            return ka != kb ? ka > kb : a.accountID < b.accountID
        }
        return result
    }
}
