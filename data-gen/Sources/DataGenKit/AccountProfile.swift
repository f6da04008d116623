/// One client sub-account: what accounts.csv says about it, plus the latent
/// story (activity level, churn fate, decline, dips) that drives its events,
/// revenue and feedback.
struct AccountProfile {
    var id: String
    var agencyIndex: Int
    var name: String
    var plan: Plan
    var seats: Int?
    var createdDay: Int
    var createdSecond: Int
    var renewalDay: Int?
    var ownerEmail: String
    var tracked: Bool
    var priority: String

    /// Index of the account's first user; its users are contiguous.
    var firstUser = 0
    var userCount = 0

    var fate: ChurnFate = .retained
    /// The pre-churn engagement decline; `nil` for non-churners and for
    /// churners that leave without warning.
    var decline: ActivityRamp?
    /// From this day on the key users no longer log in (`Int.max`: never).
    var keyUsersSilentFrom = Int.max
    /// From this day on only the account's favourite features are used.
    var narrowFeaturesFrom = Int.max
    var dip: ActivityDip?
    /// Whether ``decline`` is a false alarm: a retained account that declines
    /// like a churner up to T and recovers after it.
    var falseAlarm = false
    /// The agency-wide seasonal dip (and its copy a year earlier), or `nil`.
    var seasonalDip: ActivityDip?
    /// A churn and a return, both before the event window.
    var reactivation: (churnDay: Int, returnDay: Int)?

    /// Events per day relative to other accounts (log-normal).
    var baseActivity = 1.0
    /// Log-slope of a slow drift over the window (per 180 days).
    var drift = 0.0
    var lowEngagement = false
    /// Per-feature preference (0 = never used), by ``FeatureCatalog`` rank.
    var featureWeights: [Double] = []
    /// Mean NPS score when not declining.
    var npsMean = 8.3

    /// The last day the account can have events: the day before a
    /// historical churn, else `asOfDay`.
    func lastActiveDay(asOfDay: Int) -> Int {
        if case let .historical(day) = fate { return day - 1 }
        return asOfDay
    }
}
