import VitalsColumnar
import VitalsStore

/// The inputs of the churn model for one account as of T: the health
/// components, the risk signals (0/1), how the account moves against its
/// own history over several windows, the slope of its weekly activity, and
/// its revenue, payment, sentiment and tenure trajectories.
public struct ChurnFeatures: Sendable, Equatable {
    /// Feature names, in `values` order: the names drivers are reported by.
    public static let names: [String] = definitions.map(\.name)

    /// Which way each feature may push the risk in a fitted model: +1 only
    /// up, −1 only down, 0 either. A fitted weight of the wrong sign is held
    /// at 0, so a driver always reads as evidence ("fewer logins than its
    /// own history" never lowers a risk).
    public static let directions: [Int] = definitions.map(\.direction)

    static let definitions: [(name: String, direction: Int)] =
        [("activity", -1), ("recency", -1), ("breadth", -1), ("trend", -1), ("payments", -1), ("sentiment", -1)]
        + RiskSignal.allCases.map { ($0.rawValue, 1) }
        + [("logins_7d_vs_own_history", -1), ("logins_28d_vs_own_history", -1),
           ("uses_7d_vs_own_history", -1), ("uses_28d_vs_own_history", -1),
           ("active_users_7d_vs_own_history", -1), ("active_users_28d_vs_own_history", -1),
           ("features_28d_vs_own_history", -1), ("weekly_activity_slope", -1),
           ("mrr_vs_90_days_ago", -1), ("failed_payments_90d", 1), ("nps_change", -1), ("tenure", 0),
           ("renewal_within_90d", 1), ("inactive_and_usage_halved", 1)]
        + agencyRelative.map { ($0.name, -1) }

    /// Features also taken against the agency's median account this week
    /// (a season, a holiday or an outage moves every account of an agency at
    /// once; a churner moves against its peers too).
    static let agencyRelative: [(name: String, of: String)] = [
        ("logins_7d_vs_agency", "logins_7d_vs_own_history"), ("uses_7d_vs_agency", "uses_7d_vs_own_history"),
        ("active_users_7d_vs_agency", "active_users_7d_vs_own_history"), ("weekly_activity_slope_vs_agency", "weekly_activity_slope"),
    ]

    public var values: [Double]
    /// The counts behind the values, for drivers' evidence.
    public var evidence: ChurnEvidence

    public init(values: [Double], evidence: ChurnEvidence = ChurnEvidence()) {
        self.values = values
        self.evidence = evidence
    }

    /// No weekly active user and feature uses down by half or more week over
    /// week: an account in this state is never rated below the model's base
    /// rate (``ChurnModel/floor``), whatever its history says.
    public static func inactiveAndUsageHalved(wau: Int, uses7: Int, usesPrevious7: Int) -> Bool {
        wau == 0 && usesPrevious7 > 0 && 2 * uses7 <= usesPrevious7
    }

    /// Days from `day` to the account's next renewal as the churn model
    /// reads it, nil without a renewal date (negative when it has passed).
    ///
    /// accounts.csv holds one renewal date, the next one as of the day the
    /// file was written. On an earlier day the account faced an earlier
    /// renewal: with yearly terms, an anniversary of that date. So the
    /// renewal ahead on `day` is the earliest of the date on file and its
    /// anniversaries before it that falls on or after `day`; within a year
    /// of the date on file it is that date, as DESIGN.md's `renewal_soon`
    /// reads it. The answer depends on the file and the day alone (not on
    /// how far the events reach), so a day scored on its night and again
    /// after later ingests reads the same renewal. Without this a past day
    /// never sees a renewal near it, and the model could not learn from the
    /// history how churners leave at renewals. A multi-year term (a date
    /// on file more than a year ahead) is read as yearly.
    public static func daysToRenewal(renewalDay: Int?, on day: Int) -> Int? {
        guard var renewal = renewalDay else { return nil }
        while true {
            let earlier = CivilTime.adding(months: -12, toDay: renewal)
            guard earlier >= day else { break }
            renewal = earlier
        }
        return renewal - day
    }

    /// Inputs that read a date known in advance, not what the account did:
    /// ``ChurnModel/fitHorizons(_:l2:trainingDays:)`` weighs them by the
    /// 90-day fit alone.
    public static let calendarInputs = ["renewal_soon", "renewal_within_90d"]

    /// The position of `inactive_and_usage_halved` in ``values``.
    public static let inactiveAndUsageHalvedIndex = names.firstIndex(of: "inactive_and_usage_halved")!

    /// Days of the account's own baseline: the 28 days before its last 28.
    public static let baselineDays = 28
    /// Days of the longest recent window.
    public static let recentDays = 28
    /// Weeks of the activity slope: the baseline's four and the last four.
    public static let slopeWeeks = 8
    /// History a training as-of day needs before it.
    public static var historyDays: Int { recentDays + baselineDays }
    /// `failed_payments_90d`: the failed payments of the last 90 days.
    public static let failedPaymentDays = 90
}

/// The raw numbers of one account's churn features, kept so that a driver
/// can say what it saw ("logins 2 in 7 days, 31 a week before").
public struct ChurnEvidence: Sendable, Equatable {
    public var logins7 = 0, logins28 = 0, loginsBaseline = 0
    public var uses7 = 0, uses28 = 0, usesBaseline = 0, usesPrevious7 = 0
    public var users7 = 0, users28 = 0, usersBaseline = 0, seats: Int? = nil
    public var features28 = 0, featuresBaseline = 0
    /// Logins plus uses per week, oldest first (``ChurnFeatures/slopeWeeks``).
    public var weekly: [Int] = []
    public var mrrCents: Int64 = 0, mrrCents90DaysAgo: Int64 = 0
    public var failedPayments90 = 0
    public var nps: Int? = nil, previousNPS: Int? = nil
    public var tenureDays: Int? = nil
    public var daysToRenewal: Int? = nil
    /// The agency's medians of ``ChurnFeatures/agencyRelative``'s sources.
    public var agencyMedians: [Double] = []

    public init() {}
}

extension Analytics {
    /// What the churn inputs of the account of `facts` read from its rows
    /// and logs: all but the agency's medians.
    func churnEvidence(of facts: AccountFacts, users userCounter: inout DistinctCounter,
                       features featureCounter: inout DistinctCounter) -> ChurnEvidence {
        let account = facts.account
        let logins = dataset.logins, usage = dataset.featureUsage
        let weeks = ChurnFeatures.slopeWeeks, recent = weeks - ChurnFeatures.recentDays / 7
        assert(7 * weeks == ChurnFeatures.historyDays && ChurnFeatures.recentDays % 7 == 0, "the weeks tile the history")
        // The 8 weeks up to T tile every window read here: the baseline is
        // weeks 0–3, the last 28 days weeks 4–7, the last 7 days week 7. Each
        // kind's rows are cut at the week starts once (``EventColumns/cuts(of:at:)``).
        let weekStarts = (0 ... weeks).map { asOf.start(lastDays: 7 * (weeks - $0)) }
        let loginCuts = logins.cuts(of: account, at: weekStarts), useCuts = usage.cuts(of: account, at: weekStarts)
        let baselineLogins = loginCuts[0] ..< loginCuts[recent], recentLogins = loginCuts[recent] ..< loginCuts[weeks]
        let baselineUses = useCuts[0] ..< useCuts[recent], recentUses = useCuts[recent] ..< useCuts[weeks]

        var e = ChurnEvidence()
        // Logins and uses per week over the 8 weeks.
        let weeklyLogins = (0 ..< weeks).map { loginCuts[$0 + 1] - loginCuts[$0] }
        let weeklyUses = (0 ..< weeks).map { usage.quantitySum(useCuts[$0] ..< useCuts[$0 + 1]) }
        let last = weeks - 1
        e.logins7 = weeklyLogins[last]
        e.logins28 = weeklyLogins[recent...].reduce(0, +)
        e.loginsBaseline = weeklyLogins[..<recent].reduce(0, +)
        e.uses7 = weeklyUses[last]
        e.uses28 = weeklyUses[recent...].reduce(0, +)
        e.usesBaseline = weeklyUses[..<recent].reduce(0, +)
        e.weekly = zip(weeklyLogins, weeklyUses).map { $0 + $1 }
        e.users7 = facts.wau  // the distinct users of the last 7 days, counted once
        e.users28 = userCounter.count(logins.actors, rows: recentLogins)
        e.usersBaseline = userCounter.count(logins.actors, rows: baselineLogins)
        e.seats = facts.seats
        e.features28 = featureCounter.count(usage.items, rows: recentUses)
        e.featuresBaseline = featureCounter.count(usage.items, rows: baselineUses)
        e.mrrCents = facts.mrrCents
        e.mrrCents90DaysAgo = mrr(of: account, on: asOf.day - 90)
        let payments = asOf.last(ChurnFeatures.failedPaymentDays)
        assertPaymentsLoaded(from: payments.from)
        for row in index.paymentRows(of: account) {
            let payment = dataset.payments[row]
            if payment.status == .failed && payment.ts >= payments.from && payment.ts < payments.to { e.failedPayments90 += 1 }
        }
        (e.nps, e.previousNPS) = lastTwoNPS(of: account)
        e.tenureDays = dataset.accounts[account].createdAt.map { asOf.day - CivilTime.day(ofSeconds: $0) }
        e.daysToRenewal = ChurnFeatures.daysToRenewal(renewalDay: dataset.accounts[account].renewalDay, on: asOf.day)
        e.usesPrevious7 = facts.usesPrevious7
        return e
    }

    /// The churn inputs of a scored account from its evidence
    /// (``churnEvidence(of:users:features:)``), all but the agency-relative ones.
    /// Written into one array sized for every input (the agency-relative
    /// ones are appended to it): built from a set and a map per part, an
    /// account's inputs took eight allocations, 4 % of a many-accounts night.
    func churnFeatures(_ score: AccountScore, evidence e: ChurnEvidence) -> ChurnFeatures {
        var values: [Double] = []
        values.reserveCapacity(ChurnFeatures.names.count)
        let components = score.health.components
        for j in HealthComponents.names.indices { values.append(components.value(at: j)) }
        // The renewal inputs read the renewal ahead on T (the signal's, but
        // for a date on file more than a year after T).
        func renewsWithin(_ days: Int) -> Double { e.daysToRenewal.map { (0 ... days).contains($0) ? 1.0 : 0 } ?? 0 }
        for signal in RiskSignal.ordered {
            values.append(signal == .renewalSoon ? renewsWithin(30) : score.signals.contains { $0.signal == signal } ? 1 : 0)
        }
        ChurnFeatures.appendOwnHistory(e, to: &values)
        values.append(renewsWithin(90))
        values.append(ChurnFeatures.inactiveAndUsageHalved(wau: score.facts.wau, uses7: e.uses7, usesPrevious7: e.usesPrevious7) ? 1 : 0)
        return ChurnFeatures(values: values, evidence: e)
    }

    /// The churn inputs of every scored account of an agency, the
    /// agency-relative ones against the median of its tracked accounts.
    public func churnFeatures(_ scores: AgencyScores) -> [ChurnFeatures] {
        var users = DistinctCounter(keyCount: dataset.users.count)
        var features = DistinctCounter(keyCount: dataset.features.count)
        let evidence = scores.scores.map { churnEvidence(of: $0.facts, users: &users, features: &features) }
        users.recycle()
        features.recycle()
        return churnFeatures(scores, evidence: evidence)
    }

    /// The churn inputs of every scored account of an agency from their
    /// evidence (parallel to `scores.scores`), with the agency-relative ones.
    func churnFeatures(_ scores: AgencyScores, evidence: [ChurnEvidence]) -> [ChurnFeatures] {
        var result = zip(scores.scores, evidence).map { churnFeatures($0, evidence: $1) }
        let sources = ChurnFeatures.agencyRelative.map { ChurnFeatures.names.firstIndex(of: $0.of)! }
        let medians = sources.map { j -> Double in
            let sorted = result.map { $0.values[j] }.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        for i in result.indices {
            for (source, median) in zip(sources, medians) { result[i].values.append(result[i].values[source] - median) }
            result[i].evidence.agencyMedians = medians
        }
        return result
    }

    /// The latest two NPS scores of the account at or before T (the later
    /// first), over its whole history.
    func lastTwoNPS(of account: Int) -> (Int?, Int?) {
        var latest: (ts: Int64, score: Int)?, previous: (ts: Int64, score: Int)?
        for row in index.feedbackRows(of: account) {
            let response = dataset.feedback[row]
            guard response.ts < asOf.end else { continue }
            let entry = (response.ts, response.score)
            if latest == nil || entry.0 > latest!.ts {
                previous = latest
                latest = entry
            } else if previous == nil || entry.0 > previous!.ts {
                previous = entry
            }
        }
        return (latest?.score, previous?.score)
    }

    /// Whether the account's MRR is 0 at some day in (T, T + days]: the
    /// outcome the model learns, known only for as-of days in the past.
    public func churns(_ account: Int, within days: Int = 90) -> Bool {
        churnDay(account, within: days) != nil
    }

    /// The first day in (T, T + days] on which the account's MRR is 0.
    public func churnDay(_ account: Int, within days: Int = 90) -> Int? {
        var first: Int?
        for row in index.mrrRows(of: account) {
            let change = dataset.mrrChanges[row]
            if change.day > asOf.day && change.day <= asOf.day + days && change.mrrCents == 0 { first = min(first ?? change.day, change.day) }
        }
        return first
    }
}

extension ChurnFeatures {
    /// log((recent + 1) / (baseline scaled to the recent window's length + 1)).
    static func versus(_ recent: Int, _ baseline: Int, days: Int, baselineDays: Int = baselineDays) -> Double {
        log((Double(recent) + 1) / (Double(baseline) * Double(days) / Double(baselineDays) + 1))
    }

    /// The own-history, slope, revenue, payment, sentiment and tenure values.
    static func ownHistory(_ e: ChurnEvidence) -> [Double] {
        var values: [Double] = []
        appendOwnHistory(e, to: &values)
        return values
    }

    /// ``ownHistory(_:)`` appended to `values`.
    static func appendOwnHistory(_ e: ChurnEvidence, to values: inout [Double]) {
        values.append(versus(e.logins7, e.loginsBaseline, days: 7))
        values.append(versus(e.logins28, e.loginsBaseline, days: 28))
        values.append(versus(e.uses7, e.usesBaseline, days: 7))
        values.append(versus(e.uses28, e.usesBaseline, days: 28))
        // Distinct counts do not scale with a window's length: compared as they are.
        values.append(versus(e.users7, e.usersBaseline, days: 1, baselineDays: 1))
        values.append(versus(e.users28, e.usersBaseline, days: 1, baselineDays: 1))
        values.append(versus(e.features28, e.featuresBaseline, days: 1, baselineDays: 1))
        values.append(slope(e.weekly))
        values.append(e.mrrCents90DaysAgo == 0 ? 0 : log(Double(max(e.mrrCents, 1)) / Double(e.mrrCents90DaysAgo)))
        values.append(Double(e.failedPayments90))
        values.append(e.nps.flatMap { latest in e.previousNPS.map { Double(latest - $0) } } ?? 0)
        values.append(log(1 + Double(max(0, e.tenureDays ?? 0))))
    }

    /// The least-squares slope of log(1 + weekly activity) per week.
    static func slope(_ weekly: [Int]) -> Double {
        guard weekly.count > 1 else { return 0 }
        let n = Double(weekly.count), meanX = (n - 1) / 2
        let ys = weekly.map { log(1 + Double($0)) }
        let meanY = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (x, y) in ys.enumerated() {
            sxy += (Double(x) - meanX) * (y - meanY)
            sxx += (Double(x) - meanX) * (Double(x) - meanX)
        }
        return sxy / sxx
    }

    /// What feature `name` saw, in words.
    public func evidence(of name: String) -> String? {
        let e = evidence
        func per(_ count: Int, _ days: Int) -> String { String(Int((Double(count) * Double(days) / Double(Self.baselineDays)).rounded())) }
        switch name {
        case "logins_7d_vs_own_history": return "\(e.logins7) logins in the last 7 days, \(per(e.loginsBaseline, 7)) a week before"
        case "logins_28d_vs_own_history": return "\(e.logins28) logins in the last 28 days, \(e.loginsBaseline) in the 28 before"
        case "uses_7d_vs_own_history": return "\(e.uses7) feature uses in the last 7 days, \(per(e.usesBaseline, 7)) a week before"
        case "uses_28d_vs_own_history": return "\(e.uses28) feature uses in the last 28 days, \(e.usesBaseline) in the 28 before"
        case "active_users_7d_vs_own_history":
            return "active users \(e.users7)" + (e.seats.map { " of \($0) seats" } ?? "") + " in the last 7 days, \(e.usersBaseline) in the 28 days before the last 28"
        case "active_users_28d_vs_own_history": return "active users \(e.users28) in the last 28 days, \(e.usersBaseline) in the 28 before"
        case "features_28d_vs_own_history": return "\(e.features28) features used in the last 28 days, \(e.featuresBaseline) in the 28 before"
        case "weekly_activity_slope": return "weekly activity over 8 weeks: " + e.weekly.map(String.init).joined(separator: ", ")
        case "mrr_vs_90_days_ago": return "MRR \(e.mrrCents) cents, \(e.mrrCents90DaysAgo) 90 days ago"
        case "failed_payments_90d": return "\(e.failedPayments90) failed payments in 90 days"
        case "nps_change": return e.nps.map { latest in "NPS \(latest)" + (e.previousNPS.map { ", \($0) before" } ?? "") }
        case "tenure": return e.tenureDays.map { "customer for \($0) days" }
        case "renewal_soon", "renewal_within_90d": return e.daysToRenewal.map { "renews in \($0) days" }
        case "inactive_and_usage_halved": return "no weekly active user; feature uses \(e.usesPrevious7) → \(e.uses7) week over week"
        case let name where name.hasSuffix("_vs_agency"):
            guard let k = Self.agencyRelative.firstIndex(where: { $0.name == name }), k < e.agencyMedians.count,
                  let j = Self.names.firstIndex(of: Self.agencyRelative[k].of) else { return nil }
            let change = { (x: Double) in String(Int((100 * (exp(x) - 1)).rounded())) + " %" }
            return j == Self.names.firstIndex(of: "weekly_activity_slope")
                ? "weekly activity \(change(values[j])) a week, the agency's median account \(change(e.agencyMedians[k])) a week"
                : "\(change(values[j])) against its own history, the agency's median account \(change(e.agencyMedians[k]))"
        default: return nil
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
