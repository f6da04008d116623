import VitalsColumnar
import VitalsStore
/// A health band, from the rounded score.
public enum HealthBand: String, Sendable, Codable, CaseIterable, Comparable {
    case healthy = "Healthy"
    case watch = "Watch"
    case atRisk = "At Risk"

    /// The band of a rounded score under `bands`.
    public init(score: Double, bands: ScoringConfig.Bands = .init()) {
        self = score >= bands.healthy ? .healthy : score >= bands.watch ? .watch : .atRisk
    }

    /// Parses "Healthy", "Watch", "At Risk" (case-insensitive; `at_risk` too).
    public init?(parsing text: String) {
        let key = String(text.lowercased().map { $0 == "_" ? " " : $0 })
        guard let band = Self.allCases.first(where: { $0.rawValue.lowercased() == key }) else { return nil }
        self = band
    }

    private var order: Int { self == .atRisk ? 0 : self == .watch ? 1 : 2 }
    public static func < (a: HealthBand, b: HealthBand) -> Bool { a.order < b.order }
}

/// The six health components, each in [0, 1], in DESIGN.md's table order.
public struct HealthComponents: Sendable, Equatable, Codable {
    public var activity: Double
    public var recency: Double
    public var breadth: Double
    public var trend: Double
    public var payments: Double
    public var sentiment: Double

    public init(activity: Double, recency: Double, breadth: Double, trend: Double, payments: Double, sentiment: Double) {
        self.activity = activity
        self.recency = recency
        self.breadth = breadth
        self.trend = trend
        self.payments = payments
        self.sentiment = sentiment
    }

    /// The weighted sum (in [0, 1]) of the components, in the table's order:
    /// the health score before rounding.
    public func weightedSum(_ w: ScoringConfig.Weights) -> Double {
        var sum = 0.0
        sum += w.activity * activity
        sum += w.recency * recency
        sum += w.breadth * breadth
        sum += w.trend * trend
        sum += w.payments * payments
        sum += w.sentiment * sentiment
        return sum
    }

    /// The components' values in table order (activity, recency, breadth,
    /// trend, payments, sentiment): how the store keeps them.
    public var values: [Double] { [activity, recency, breadth, trend, payments, sentiment] }

    /// The components' names in table order (``named``'s, without an array of pairs per account).
    public static let names = ["activity", "recency", "breadth", "trend", "payments", "sentiment"]

    /// The component at `index` in table order (``values``'s, without an array per account).
    public func value(at index: Int) -> Double {
        switch index {
        case 0: activity
        case 1: recency
        case 2: breadth
        case 3: trend
        case 4: payments
        default: sentiment
        }
    }

    /// The components with their names, in table order.
    public var named: [(name: String, value: Double)] {
        Self.names.indices.map { (Self.names[$0], value(at: $0)) }
    }

    /// The components of an account's facts.
    /// - Parameter agencyFeatures: distinct features used by any tracked
    ///   account of the agency in the breadth window.
    public init(facts: AccountFacts, agencyFeatures: Int, asOf: AsOf, config: ScoringConfig) {
        activity = min(1, Double(facts.wau) / Double(max(1, facts.users)))
        if let days = facts.daysSinceLogin(asOf: asOf) {
            recency = max(0, 1 - Double(days) / Double(config.windows.recencyDays))
        } else {
            recency = 0
        }
        breadth = agencyFeatures == 0 ? 0 : Double(facts.features) / Double(max(1, agencyFeatures))
        let cur = Double(facts.usesTrend), prev = Double(facts.usesTrendPrevious)
        trend = min(1, max(0, 0.5 + (cur - prev) / (2 * max(prev, 1))))
        payments = max(0, 1 - 0.5 * Double(facts.failedPayments))
        sentiment = facts.latestNPS.map { Double($0) / 10 } ?? 0.5
    }
}

/// A health score: the weighted sum of the components, rounded to one
/// decimal (halves away from zero), and its band.
public struct HealthScore: Sendable, Equatable, Codable {
    public var score: Double
    public var band: HealthBand
    public var components: HealthComponents

    public init(components: HealthComponents, config: ScoringConfig = .standard) {
        score = Self.roundedScore(components.weightedSum(config.weights))
        band = HealthBand(score: score, bands: config.bands)
        self.components = components
    }

    /// `sum` (in [0, 1]) as a 0–100 score with one decimal, halves away from zero.
    public static func roundedScore(_ sum: Double) -> Double {
        (sum * 1000).rounded(.toNearestOrAwayFromZero) / 10
    }
}
