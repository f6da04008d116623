import VitalsColumnar
import VitalsStore

/// A failed payment in the window and whether it was recovered.
public struct FailedPayment: Sendable, Equatable, Codable {
    public var accountID: String
    public var invoiceID: String
    public var amountCents: Int64
    public var failedAt: String
    /// A strictly later succeeded payment of the same account and invoice, on or before T.
    public var recovered: Bool
    public var recoveredAt: String?
}

/// A tracked account renewing soon.
public struct UpcomingRenewal: Sendable, Equatable, Codable {
    public var accountID: String
    public var name: String
    public var renewalDate: String
    public var daysToRenewal: Int
    public var mrrCents: Int64
    public var health: Double
    public var band: HealthBand
}

extension Analytics {
    /// Failed payments of the agency's tracked accounts (or one account) in
    /// the last `days` days, newest first (ties by account, invoice).
    /// Refunds are ignored.
    public func failedPayments(agency: Int, account: Int? = nil, days: Int = 30) -> [FailedPayment] {
        var result: [(ts: Int64, payment: FailedPayment)] = []
        for a in account.map({ [$0] }) ?? index.trackedAccounts[agency] {
            for (payment, recovery) in failures(of: a, days: days) {
                result.append((payment.ts, FailedPayment(
                    accountID: dataset.accounts[a].accountID, invoiceID: payment.invoiceID, amountCents: payment.amountCents,
                    failedAt: CivilTime.formatTimestamp(seconds: payment.ts), recovered: recovery != nil,
                    recoveredAt: recovery.map { CivilTime.formatTimestamp(seconds: $0.ts) })))
            }
        }
        result.sort { a, b in
            if a.ts != b.ts { return a.ts > b.ts }
            if a.payment.accountID != b.payment.accountID { return a.payment.accountID < b.payment.accountID }
            return a.payment.invoiceID < b.payment.invoiceID
        }
        return result.map(\.payment)
    }

    /// The failed payments of one account in the last `days` days, in the
    /// payment log's order, each with its recovery: the first strictly later
    /// succeeded payment of the same invoice, on or before T (nil: not
    /// recovered). Refunds are ignored.
    /// - Complexity: O(p²) in the account's payment rows p (a handful).
    public func failures(of account: Int, days: Int) -> [(failure: Payment, recovery: Payment?)] {
        let window = asOf.last(days)
        assertPaymentsLoaded(from: window.from)
        let rows = index.paymentRows(of: account)
        var result: [(failure: Payment, recovery: Payment?)] = []
        for row in rows {
            let payment = dataset.payments[row]
            guard payment.status == .failed, payment.ts >= window.from, payment.ts < window.to else { continue }
            let recovery = rows.lazy.map { [self] in dataset.payments[$0] }.first {
                $0.status == .succeeded && $0.invoiceID == payment.invoiceID && $0.ts > payment.ts && $0.ts < asOf.end
            }
            result.append((payment, recovery))
        }
        return result
    }

    /// Tracked accounts with renewal_date in [T, T+days], soonest first
    /// (ties by account_id), optionally with MRR(a, T) ≥ `minMRRCents` and
    /// a band in `bands`.
    public func upcomingRenewals(_ scores: AgencyScores, days: Int = 30, minMRRCents: Int64? = nil, bands: Set<HealthBand>? = nil) -> [UpcomingRenewal] {
        var result: [UpcomingRenewal] = []
        for score in scores.scores {
            guard let toRenewal = score.facts.daysToRenewal, (0...days).contains(toRenewal) else { continue }
            if let minMRRCents, score.facts.mrrCents < minMRRCents { continue }
            if let bands, !bands.contains(score.health.band) { continue }
            let record = dataset.accounts[score.account]
            result.append(UpcomingRenewal(accountID: record.accountID, name: record.name,
                                          renewalDate: CivilTime.formatDate(days: asOf.day + toRenewal), daysToRenewal: toRenewal,
                                          mrrCents: score.facts.mrrCents, health: score.health.score, band: score.health.band))
        }
        result.sort { $0.daysToRenewal != $1.daysToRenewal ? $0.daysToRenewal < $1.daysToRenewal : $0.accountID < $1.accountID }
        return result
    }
}
