import VitalsColumnar
import VitalsStore

/// The inputs of the churn model for one account as of T: the health
/// components, the risk signals (0/1), and how the account moves against its
/// own history (the last 14 days against its 6 weeks before).
public struct ChurnFeatures: Sendable, Equatable {
    /// Feature names, in `values` order: the names drivers are reported by.
    public static let names: [String] =
        ["health_gap"]
        + ["activity", "recency", "breadth", "trend", "payments", "sentiment"]
        + RiskSignal.allCases.map(\.rawValue)
        + ["logins_vs_own_history", "usage_vs_own_history", "active_users_vs_own_history",
           "features_vs_own_history", "mrr_vs_90_days_ago"]

    public var values: [Double]

    /// Days of the recent window compared with the account's own baseline.
    public static let recentDays = 14
    /// Days of the baseline just before the recent window.
    public static let baselineDays = 42
    /// History a training as-of day needs before it.
    public static var historyDays: Int { recentDays + baselineDays }
}

extension Analytics {
    /// The churn model's inputs for one scored account.
    public func churnFeatures(_ score: AccountScore, userCounter: inout DistinctCounter, featureCounter: inout DistinctCounter) -> ChurnFeatures {
        let account = score.account
        let recent = asOf.last(ChurnFeatures.recentDays)
        let baseline = (from: asOf.start(lastDays: ChurnFeatures.historyDays), to: recent.from)
        let scale = Double(ChurnFeatures.recentDays) / Double(ChurnFeatures.baselineDays)
        /// log((recent + 1) / (baseline scaled to the recent window's length + 1)).
        func versusHistory(_ recent: Int, _ baseline: Int, scaled: Bool = true) -> Double {
            log((Double(recent) + 1) / (Double(baseline) * (scaled ? scale : 1) + 1))
        }
        let logins = dataset.logins, usage = dataset.featureUsage
        let recentLogins = logins.rows(of: account, from: recent.from, to: recent.to)
        let baselineLogins = logins.rows(of: account, from: baseline.from, to: baseline.to)
        let recentUses = usage.rows(of: account, from: recent.from, to: recent.to)
        let baselineUses = usage.rows(of: account, from: baseline.from, to: baseline.to)

        var values: [Double] = [1 - score.health.score / 100]
        values += score.health.components.named.map(\.value)
        let fired = Set(score.signals.map(\.signal))
        values += RiskSignal.allCases.map { fired.contains($0) ? 1 : 0 }
        values.append(versusHistory(recentLogins.count, baselineLogins.count))
        values.append(versusHistory(usage.quantitySum(recentUses), usage.quantitySum(baselineUses)))
        values.append(versusHistory(userCounter.count(logins.actors, rows: recentLogins),
                                    userCounter.count(logins.actors, rows: baselineLogins), scaled: false))
        values.append(versusHistory(featureCounter.count(usage.items, rows: recentUses),
                                    featureCounter.count(usage.items, rows: baselineUses), scaled: false))
        let then = mrr(of: account, on: asOf.day - 90)
        values.append(then == 0 ? 0 : log(Double(max(score.facts.mrrCents, 1)) / Double(then)))
        return ChurnFeatures(values: values)
    }

    /// The churn inputs of every scored account of an agency.
    public func churnFeatures(_ scores: AgencyScores) -> [ChurnFeatures] {
        var users = DistinctCounter(keyCount: dataset.users.count)
        var features = DistinctCounter(keyCount: dataset.features.count)
        return scores.scores.map { churnFeatures($0, userCounter: &users, featureCounter: &features) }
    }

    /// Whether the account's MRR is 0 at some day in (T, T + days]: the
    /// outcome the model learns, known only for as-of days in the past.
    public func churns(_ account: Int, within days: Int = 90) -> Bool {
        index.mrrRows(of: account).contains {
            let change = dataset.mrrChanges[$0]
            return change.day > asOf.day && change.day <= asOf.day + days && change.mrrCents == 0
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
