import VitalsColumnar
import VitalsStore

/// The raw per-account numbers that health, risk signals and the churn model
/// are computed from, all as of `T`.
public struct AccountFacts: Sendable, Equatable {
    public var account: Int
    /// users(a): every users.csv row of the account.
    public var users: Int
    public var dau: Int
    public var wau: Int
    public var mau: Int
    /// The day of the account's latest login at or before T (any time).
    public var lastLoginDay: Int?
    /// Uses (sum of counts) in the last 7 days and the 7 before.
    public var uses7: Int
    public var usesPrevious7: Int
    /// Uses in the trend window (default 14 days) and the same length before.
    public var usesTrend: Int
    public var usesTrendPrevious: Int
    /// Uses in the last 30 days.
    public var uses30: Int
    /// Distinct features used in the breadth window (default 30 days).
    public var features: Int
    /// Failed payments in the payment window (default 30 days).
    public var failedPayments: Int
    /// Latest NPS score in the sentiment window (the lower on a tie), if any.
    public var latestNPS: Int?
    /// Days until the renewal date (negative when past), nil when empty.
    public var daysToRenewal: Int?
    public var seats: Int?
    /// MRR(a, T) in cents.
    public var mrrCents: Int64
    public var keyUsers: Int
    /// Key users with no login in the last 14 days (never included).
    public var inactiveKeyUsers: Int

    /// Days since the account's latest login, nil when never.
    public func daysSinceLogin(asOf: AsOf) -> Int? { lastLoginDay.map { asOf.day - $0 } }
}

extension Analytics {
    /// Facts of one account.
    public func facts(of account: Int) -> AccountFacts {
        var users = DistinctCounter(keyCount: dataset.users.count)
        var features = DistinctCounter(keyCount: dataset.features.count)
        return facts(of: account, users: &users, features: &features)
    }

    /// Facts of one account, reusing the distinct counters of a batch.
    /// - Parameter breadthFeatures: the distinct features of the breadth
    ///   window when the caller counted them already (nil: counted here).
    func facts(of account: Int, users userCounter: inout DistinctCounter, features featureCounter: inout DistinctCounter,
               breadthFeatures: Int? = nil) -> AccountFacts {
        let logins = dataset.logins, usage = dataset.featureUsage
        let windows = config.windows
        // Every window runs from the start of the last n days to the start
        // of the last m (m = 0: the end of T). Each kind's rows are cut once
        // at the starts the windows need (``EventColumns/cuts(of:at:)``), oldest first.
        let loginDays = [30, 7, 1, 0]
        let loginCuts = logins.cuts(of: account, at: loginDays.map(asOf.start(lastDays:)))
        func loginRows(lastDays days: Int) -> Range<Int> { loginCuts[loginDays.firstIndex(of: days)!] ..< loginCuts.last! }
        let useDays = Array(Set([30, 14, 7, 2 * windows.trendDays, windows.trendDays, 0])).sorted(by: >)
        let useCuts = usage.cuts(of: account, at: useDays.map(asOf.start(lastDays:)))
        func uses(lastDays from: Int, to: Int = 0) -> Int {
            usage.quantitySum(useCuts[useDays.firstIndex(of: from)!] ..< useCuts[useDays.firstIndex(of: to)!])
        }

        let upToT = logins.rows(of: account).lowerBound ..< loginCuts.last!
        let skipped = self.skipped.map { $0.lastLoginOfAccount[account] }.flatMap { $0 == .min ? nil : $0 }
        let lastLogin = (logins.lastTimestamp(upToT) ?? skipped).map { CivilTime.day(ofSeconds: $0) }

        let paymentWindow = asOf.last(windows.paymentDays)
        assertPaymentsLoaded(from: paymentWindow.from)
        var failed = 0
        for row in index.paymentRows(of: account) {
            let payment = dataset.payments[row]
            if payment.status == .failed && payment.ts >= paymentWindow.from && payment.ts < paymentWindow.to { failed += 1 }
        }

        let record = dataset.accounts[account]
        let keyUsers = keyUsers(of: account)
        let activeSince = asOf.start(lastDays: 14)
        return AccountFacts(
            account: account,
            users: index.usersOfAccount[account].count,
            dau: userCounter.count(logins.actors, rows: loginRows(lastDays: 1)),
            wau: userCounter.count(logins.actors, rows: loginRows(lastDays: 7)),
            mau: userCounter.count(logins.actors, rows: loginRows(lastDays: 30)),
            lastLoginDay: lastLogin,
            uses7: uses(lastDays: 7), usesPrevious7: uses(lastDays: 14, to: 7),
            usesTrend: uses(lastDays: windows.trendDays), usesTrendPrevious: uses(lastDays: 2 * windows.trendDays, to: windows.trendDays),
            uses30: uses(lastDays: 30),
            features: breadthFeatures
                ?? featureCounter.count(usage.items, rows: usage.rows(of: account, from: asOf.start(lastDays: windows.breadthDays), to: asOf.end)),
            failedPayments: failed,
            latestNPS: latestNPS(of: account),
            daysToRenewal: record.renewalDay.map { $0 - asOf.day },
            seats: record.seats,
            mrrCents: mrr(of: account, on: asOf.day),
            keyUsers: keyUsers.count,
            inactiveKeyUsers: keyUsers.filter { lastLoginOfUser[$0] < activeSince }.count)
    }

    /// The key users of an account (users.csv `key_user`), in key order.
    public func keyUsers(of account: Int) -> [Int] { index.usersOfAccount[account].filter(dataset.users.isKeyUser) }

    /// How long the least active key user of `account` has gone without a
    /// login: the largest `T − last_login(u)` over its key users, `Int.max`
    /// when one never logged in, nil when it has no key users.
    /// `champion_inactive` over a window of N days fires when this is ≥ N
    /// (the risk signal is N = 14).
    public func longestKeyUserInactivity(of account: Int) -> Int? {
        let keyUsers = keyUsers(of: account)
        guard !keyUsers.isEmpty else { return nil }
        return keyUsers.map { daysSinceLogin(user: $0) ?? .max }.max()
    }

    /// The latest NPS score of `account` in the sentiment window: the latest
    /// row by time, the lower score on a tie.
    public func latestNPS(of account: Int) -> Int? {
        let window = asOf.last(config.windows.sentimentDays)
        var best: (ts: Int64, score: Int)?
        for row in index.feedbackRows(of: account) {
            let response = dataset.feedback[row]
            guard response.ts >= window.from && response.ts < window.to else { continue }
            if let current = best, current.ts > response.ts || (current.ts == response.ts && current.score <= response.score) { continue }
            best = (response.ts, response.score)
        }
        return best?.score
    }

    /// MRR(a, d): the `mrr_cents` of the account's latest row dated on or
    /// before `day` (of two rows on one date, the one ingested last); 0 if none.
    public func mrr(of account: Int, on day: Int) -> Int64 {
        var value: Int64 = 0
        for row in index.mrrRows(of: account) {
            let change = dataset.mrrChanges[row]
            if change.day > day { break }
            value = change.mrrCents
        }
        return value
    }

    /// The day an account with MRR(a, d) = 0 went to 0: the first day of
    /// its last run of zero rows after a row above 0, on or before `day`.
    /// Nil when MRR(a, d) > 0 or it never had MRR above 0.
    public func churnedSince(_ account: Int, on day: Int) -> Int? {
        var since: Int?
        var everPaid = false
        for row in index.mrrRows(of: account) {
            let change = dataset.mrrChanges[row]
            if change.day > day { break }
            if change.mrrCents > 0 {
                everPaid = true
                since = nil
            } else if since == nil && everPaid {
                since = change.day
            }
        }
        return since
    }
}
