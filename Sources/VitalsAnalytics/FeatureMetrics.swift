import VitalsColumnar
import VitalsStore

/// Sort order of feature movers.
public enum MoverDirection: String, Sendable, Codable, CaseIterable {
    /// delta descending.
    case up
    /// delta ascending.
    case down
    /// |delta| descending.
    case both
}

/// A feature's uses in a window against the window before.
public struct FeatureMove: Sendable, Equatable, Codable {
    public var feature: String
    public var cur: Int
    public var prev: Int
    public var delta: Int { cur - prev }
    /// delta / prev; nil when prev = 0.
    public var pctChange: Double? { prev == 0 ? nil : Double(cur - prev) / Double(prev) }
}

/// A feature's usage and adoption in an agency.
public struct FeatureUsage: Sendable, Equatable, Codable {
    public var feature: String
    /// Uses (sum of counts) in the requested window.
    public var uses: Int
    /// Tracked accounts that used it in the requested window.
    public var accounts: Int
    /// adoption(f) over the adoption window (30 days by default).
    public var adoption: Double
    public var core: Bool
}

extension Analytics {
    /// Feature movers: uses in the last `window` days (`cur`) against the
    /// `window` days before (`prev`), per feature, agency-wide or of one
    /// account. Features with cur = prev = 0 are left out.
    public func featureMovers(agency: Int, account: Int? = nil, window: Int = 7, direction: MoverDirection = .both) -> [FeatureMove] {
        let usage = dataset.featureUsage
        var cur = [Int](repeating: 0, count: dataset.features.count)
        var prev = cur
        let current = asOf.last(window), before = asOf.before(window)
        for a in account.map({ [$0] }) ?? index.trackedAccounts[agency] {
            usage.addQuantities(byItem: &cur, rows: usage.rows(of: a, from: current.from, to: current.to))
            usage.addQuantities(byItem: &prev, rows: usage.rows(of: a, from: before.from, to: before.to))
        }
        var moves: [FeatureMove] = []
        for f in cur.indices where cur[f] != 0 || prev[f] != 0 {
            moves.append(FeatureMove(feature: dataset.features[f], cur: cur[f], prev: prev[f]))
        }
        moves.sort { a, b in
            let (ka, kb): (Int, Int)
            switch direction {
            case .up: (ka, kb) = (-a.delta, -b.delta)
            case .down: (ka, kb) = (a.delta, b.delta)
            case .both: (ka, kb) = (-abs(a.delta), -abs(b.delta))
            }
            return ka != kb ? ka < kb : a.feature < b.feature
        }
        return moves
    }

    /// Every feature of the agency (used by a tracked account at any time up
    /// to T) with its uses and accounts in the last `days` days and its
    /// adoption; by uses descending, then name.
    public func featureUsage(_ scores: AgencyScores, days: Int = 30) -> [FeatureUsage] {
        let usage = dataset.featureUsage
        var uses = [Int](repeating: 0, count: dataset.features.count)
        var accounts = uses
        var counter = DistinctCounter(keyCount: dataset.features.count)
        let window = asOf.last(days)
        for score in scores.scores {
            let rows = usage.rows(of: score.account, from: window.from, to: window.to)
            usage.addQuantities(byItem: &uses, rows: rows)
            for f in counter.values(usage.items, rows: rows) { accounts[Int(f)] += 1 }
        }
        var result: [FeatureUsage] = []
        for f in uses.indices where scores.everUsed[f] {
            let adoption = scores.adoption(ofFeature: f)
            result.append(FeatureUsage(feature: dataset.features[f], uses: uses[f], accounts: accounts[f],
                                       adoption: adoption, core: adoption >= config.coreAdoption))
        }
        result.sort { $0.uses != $1.uses ? $0.uses > $1.uses : $0.feature < $1.feature }
        return result
    }

    /// The agency's features by adoption ascending, then name.
    public func adoptionByFeature(_ scores: AgencyScores) -> [FeatureUsage] {
        Self.adoptionOrder(featureUsage(scores, days: config.windows.adoptionDays))
    }

    /// Features by adoption ascending, then name.
    public static func adoptionOrder(_ usage: [FeatureUsage]) -> [FeatureUsage] {
        usage.sorted { $0.adoption != $1.adoption ? $0.adoption < $1.adoption : $0.feature < $1.feature }
    }

    /// Adoption gaps of one account: core features it did not use in the
    /// adoption window, by adoption descending, then name.
    public func adoptionGaps(_ scores: AgencyScores, account: Int) -> [FeatureUsage] {
        guard let position = scores.scores.firstIndex(where: { $0.account == account }) else { return [] }
        let used = Set(scores.recentFeatures[position].map(Int.init))
        var gaps: [FeatureUsage] = []
        for f in scores.everUsed.indices where scores.everUsed[f] && !used.contains(f) {
            let adoption = scores.adoption(ofFeature: f)
            guard adoption >= config.coreAdoption else { continue }
            gaps.append(FeatureUsage(feature: dataset.features[f], uses: 0, accounts: scores.adoptionCounts[f], adoption: adoption, core: true))
        }
        gaps.sort { $0.adoption != $1.adoption ? $0.adoption > $1.adoption : $0.feature < $1.feature }
        return gaps
    }
}
