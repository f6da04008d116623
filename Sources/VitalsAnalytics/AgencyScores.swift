import VitalsColumnar
import VitalsStore

/// One tracked account's score as of T: facts, health, risk signals.
public struct AccountScore: Sendable, Equatable {
    public var account: Int
    public var facts: AccountFacts
    public var health: HealthScore
    public var signals: [RiskSignalHit]
}

/// Everything per-account that an agency's metrics need, computed in one
/// pass over its tracked accounts: the scores, the features each account
/// used in the adoption window, and the agency's feature universe.
public struct AgencyScores: Sendable {
    public var agency: Int
    /// Tracked accounts, in key order, with their scores.
    public var scores: [AccountScore]
    /// Feature keys each account used in the adoption window (parallel to `scores`).
    public var recentFeatures: [[UInt32]]
    /// Per feature key: tracked accounts that used it in the adoption window.
    public var adoptionCounts: [Int]
    /// Per feature key: whether any tracked account used it at any time up
    /// to T. Empty when the scores were asked without the feature universe
    /// (``Analytics/agencyScores(_:featureUniverse:)``).
    public var everUsed: [Bool]
    /// Distinct features used by any tracked account in the breadth window.
    public var breadthDenominator: Int

    /// adoption(f): accounts that used f in the adoption window / tracked accounts.
    public func adoption(ofFeature feature: Int) -> Double {
        scores.isEmpty ? 0 : Double(adoptionCounts[feature]) / Double(scores.count)
    }

    /// The score of a tracked account, if it is one of this agency's.
    public func score(of account: Int) -> AccountScore? {
        var low = 0, high = scores.count
        while low < high {
            let mid = (low + high) / 2
            if scores[mid].account < account { low = mid + 1 } else { high = mid }
        }
        return low < scores.count && scores[low].account == account ? scores[low] : nil
    }
}

/// What one tracked account's score reads from its own rows as of T: its
/// facts and the features it used in the adoption and breadth windows.
/// An agency's scores are its accounts' readings put together
/// (``Analytics/agencyScores(_:readings:everUsed:)``).
struct AccountReading: Sendable {
    var facts: AccountFacts
    /// Feature keys used in the adoption window.
    var recent: [UInt32]
    /// Feature keys used in the breadth window (nil: the adoption window's).
    var breadth: [UInt32]?
    /// The account's rows in the adoption window.
    var recentRows: Range<Int>
}

extension Analytics {
    /// Scores every tracked account of `agency`.
    /// - Parameter featureUniverse: false when only the scores are wanted (a
    ///   churn model's samples, a health-change baseline): `everUsed` is left
    ///   empty, and the rows before the adoption window, which on a cold load
    ///   are each account's whole history, are not read. The scores are the
    ///   same.
    public func agencyScores(_ agency: Int, featureUniverse: Bool = true) -> AgencyScores {
        let accounts = index.trackedAccounts[agency]
        let usage = dataset.featureUsage
        var userCounter = DistinctCounter(keyCount: dataset.users.count)
        var featureCounter = DistinctCounter(keyCount: dataset.features.count)
        var everUsed = Array(repeating: false, count: featureUniverse ? dataset.features.count : 0)
        var readings: [AccountReading] = []
        readings.reserveCapacity(accounts.count)
        for account in accounts {
            let reading = self.reading(of: account, users: &userCounter, features: &featureCounter)
            readings.append(reading)
            guard featureUniverse else { continue }
            // The features ever used are the adoption window's and those of the rows before it.
            for feature in reading.recent { everUsed[Int(feature)] = true }
            // The rows before the window (a cold load's whole history):
            // each marks its feature, with no distinct count in between.
            Self.mark(usage.items, rows: usage.rows(of: account).lowerBound ..< reading.recentRows.lowerBound, in: &everUsed)
            // Features used only in events a windowed load skipped (all before T).
            for feature in skipped?.featuresOfAccount[account] ?? [] where Int(feature) < everUsed.count {
                everUsed[Int(feature)] = true
            }
        }
        userCounter.recycle()
        featureCounter.recycle()
        return agencyScores(agency, readings: readings, everUsed: everUsed)
    }

    /// What the score of `account` reads from its rows (each window's rows
    /// read once: the adoption window's features are the breadth window's
    /// when the two are one, the default).
    func reading(of account: Int, users userCounter: inout DistinctCounter, features featureCounter: inout DistinctCounter) -> AccountReading {
        let usage = dataset.featureUsage
        let windows = config.windows
        let adoptionFrom = asOf.start(lastDays: windows.adoptionDays)
        let breadthFrom = asOf.start(lastDays: windows.breadthDays)
        let recentRows = usage.rows(of: account, from: adoptionFrom, to: asOf.end)
        let recent = featureCounter.values(usage.items, rows: recentRows)
        let breadth = breadthFrom == adoptionFrom
            ? nil
            : featureCounter.values(usage.items, rows: usage.rows(of: account, from: breadthFrom, to: asOf.end))
        let facts = self.facts(of: account, users: &userCounter, features: &featureCounter, breadthFeatures: (breadth ?? recent).count)
        return AccountReading(facts: facts, recent: recent, breadth: breadth, recentRows: recentRows)
    }

    /// The scores of `agency`'s tracked accounts from their readings (in key
    /// order): health needs the agency's breadth, the distinct features its
    /// accounts used in the breadth window.
    func agencyScores(_ agency: Int, readings: [AccountReading], everUsed: [Bool]) -> AgencyScores {
        let featureCount = dataset.features.count
        var adoptionCounts = Array(repeating: 0, count: featureCount)
        var inBreadth = Array(repeating: false, count: featureCount)
        for reading in readings {
            for feature in reading.recent { adoptionCounts[Int(feature)] += 1 }
            for feature in reading.breadth ?? reading.recent { inBreadth[Int(feature)] = true }
        }
        let denominator = inBreadth.reduce(0) { $0 + ($1 ? 1 : 0) }
        let scores = readings.map { reading in
            AccountScore(
                account: reading.facts.account,
                facts: reading.facts,
                health: HealthScore(components: HealthComponents(facts: reading.facts, agencyFeatures: denominator, asOf: asOf, config: config),
                                    config: config),
                signals: RiskSignalHit.evaluate(reading.facts, asOf: asOf))
        }
        return AgencyScores(agency: agency, scores: scores, recentFeatures: readings.map(\.recent),
                            adoptionCounts: adoptionCounts, everUsed: everUsed, breadthDenominator: denominator)
    }

    /// Sets `used[key]` for the key of each row of `rows` (keys past the
    /// end are not the store's: left out).
    static func mark(_ keys: [UInt32], rows: Range<Int>, in used: inout [Bool]) {
        keys.withUnsafeBufferPointer { keys in
            used.withUnsafeMutableBufferPointer { used in
                for row in rows {
                    let key = Int(keys[row])
                    if key < used.count { used[key] = true }
                }
            }
        }
    }
}
