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

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: LenientKeys.self)
            try c.refuseUnknown(["activity", "recency", "breadth", "trend", "payments", "sentiment"], in: "weights")
            activity = try c.value("activity", activity)
            recency = try c.value("recency", recency)
            breadth = try c.value("breadth", breadth)
            trend = try c.value("trend", trend)
            payments = try c.value("payments", payments)
            sentiment = try c.value("sentiment", sentiment)
        }
    }

    /// Band thresholds on the rounded score.
    public struct Bands: Sendable, Equatable, Codable {
        /// Healthy at or above this score.
        public var healthy = 70.0
        /// Watch at or above this score (and below healthy); At Risk below.
        public var watch = 40.0
        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: LenientKeys.self)
            try c.refuseUnknown(["healthy", "watch"], in: "bands")
            healthy = try c.value("healthy", healthy)
            watch = try c.value("watch", watch)
        }
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

        enum CodingKeys: String, CodingKey {
            case recencyDays = "recency_days", breadthDays = "breadth_days", trendDays = "trend_days"
            case paymentDays = "payment_days", sentimentDays = "sentiment_days", adoptionDays = "adoption_days"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: LenientKeys.self)
            try c.refuseUnknown(["recency_days", "breadth_days", "trend_days", "payment_days", "sentiment_days", "adoption_days"], in: "windows")
            recencyDays = try c.value("recency_days", recencyDays)
            breadthDays = try c.value("breadth_days", breadthDays)
            trendDays = try c.value("trend_days", trendDays)
            paymentDays = try c.value("payment_days", paymentDays)
            sentimentDays = try c.value("sentiment_days", sentimentDays)
            adoptionDays = try c.value("adoption_days", adoptionDays)
        }
    }

    public var weights = Weights()
    public var bands = Bands()
    public var windows = Windows()
    /// Adoption at or above this makes a feature "core".
    public var coreAdoption = 0.5
    /// The playbooks evaluated after each score; a config's list replaces the defaults.
    public var playbooks = PlaybookRule.defaults

    public init() {}

    enum CodingKeys: String, CodingKey {
        case weights, bands, windows, coreAdoption = "core_adoption", playbooks
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: LenientKeys.self)
        try c.refuseUnknown(["weights", "bands", "windows", "core_adoption", "playbooks"], in: "the config")
        weights = try c.value("weights", weights)
        bands = try c.value("bands", bands)
        windows = try c.value("windows", windows)
        coreAdoption = try c.value("core_adoption", coreAdoption)
        playbooks = try c.value("playbooks", playbooks)
    }

    /// DESIGN.md's configuration.
    public static let standard = ScoringConfig()
}
