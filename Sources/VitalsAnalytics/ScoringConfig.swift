import VitalsColumnar
import VitalsStore
/// The tunable parts of scoring. The defaults are DESIGN.md's, exactly.
public struct ScoringConfig: Sendable, Equatable, Codable {
    /// Health weights, in the table's order.
    public struct Weights: Sendable, Equatable, Codable {
        public var activity = 0.30
        public var recency = 0.15
        public var breadth = 0.20
        public var trend = 0.15
        public var payments = 0.10
        public var sentiment = 0.10
        public init() {}
    }

    /// Band thresholds on the rounded score.
    public struct Bands: Sendable, Equatable, Codable {
        /// Healthy at or above this score.
        public var healthy = 70.0
        /// Watch at or above this score (and below healthy); At Risk below.
        public var watch = 40.0
        public init() {}
    }

    /// Window lengths in days.
    public struct Windows: Sendable, Equatable, Codable {
        /// Recency falls to 0 after this many days without a login.
        public var recencyDays = 30
        /// Breadth counts features used in this many days.
        public var breadthDays = 30
        /// Trend compares the last N days with the N before.
        public var trendDays = 14
        /// Failed payments counted for the payments component.
        public var paymentDays = 30
        /// NPS responses older than this are ignored.
        public var sentimentDays = 180
        /// Feature adoption looks back this many days.
        public var adoptionDays = 30
        public init() {}
    }

    public var weights = Weights()
    public var bands = Bands()
    public var windows = Windows()
    /// Adoption at or above this makes a feature "core".
    public var coreAdoption = 0.5

    public init() {}

    /// DESIGN.md's configuration.
    public static let standard = ScoringConfig()
}
