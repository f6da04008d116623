/// How hard the planted churn is to see: how many accounts churn, how many
/// of them warn, the shape of the warning decline, agency-wide seasonal
/// dips, and retained accounts that look like churners (false alarms).
///
/// `ChurnWorld()` is the default world: every default value reproduces the
/// original constants, and every draw a non-default knob needs comes from
/// random streams of its own (``Population/Stream/world`` and
/// ``Population/Stream/agencyWorld``), so a knob changes nothing else. Two
/// changes of 2026-12-01 make the default world's past show renewals as its
/// future does, and changed its files: the older accounts are created over
/// the two whole years before the event window (renewals fall evenly over
/// the year), and a historical churner leaves at a renewal as often as a
/// future one (which one is drawn from the world stream).
public struct ChurnWorld: Sendable, Equatable {
    /// The shape of a warned churner's (or false alarm's) decline.
    public enum Decay: String, Sendable, Equatable, CaseIterable {
        /// 30–60 days down to 10–40 % of the account's own level (the original decline).
        case ramp
        /// Activity stops almost at once: down to 0–10 % within 1–2 days, 2–12
        /// days before the churn day (before T for future churners), flat after.
        case sudden
        /// A slow, shallow fade over 90–150 days to 30–60 %.
        case fade
        /// Like `ramp`, and every account of each agency has a shared seasonal
        /// dip ongoing at T (and the same calendar dip a year earlier).
        case seasonal
        /// Each warned churner (and false alarm) draws one of ramp, sudden, fade.
        case mixed
    }

    /// The share of non-historical accounts that churn in (T, T + 90], in 0...1.
    public var churnRate: Double
    /// The share of churners (historical and future) that leave without a
    /// visible decline, in 0...1.
    public var silentShare: Double
    /// The warned churners' decline.
    public var decay: Decay
    /// The share of retained accounts that decline like a churner up to T
    /// and then stay (they recover after T), in 0...1.
    public var falseAlarms: Double
    /// Whether a future churner's decline ends on its churn day (after T),
    /// as a historical churner's does, instead of on T. Then T looks like
    /// any past day: some churners have barely begun to decline.
    public var laggedDeclines = false

    public static let defaultChurnRate = 0.10
    public static let defaultSilentShare = 0.2

    public init(
        churnRate: Double = ChurnWorld.defaultChurnRate,
        silentShare: Double = ChurnWorld.defaultSilentShare,
        decay: Decay = .ramp,
        falseAlarms: Double = 0
    ) {
        self.churnRate = churnRate
        self.silentShare = silentShare
        self.decay = decay
        self.falseAlarms = falseAlarms
    }

    /// The preset names, in the order the CLI lists them.
    public static let presetNames = [
        "default", "sudden", "fade", "seasonal", "mixed", "silent", "false-alarms", "rare", "common", "lagged",
    ]

    /// The world named `name` (one of ``presetNames``), or `nil`.
    ///
    /// - `default`: today's world (churn rate 0.10, silent share 0.2, ramp, no false alarms);
    /// - `sudden`, `fade`, `seasonal`, `mixed`: that decay;
    /// - `silent`: 60 % of churners leave without a decline;
    /// - `false-alarms`: 15 % of retained accounts decline too, decay mixed;
    /// - `rare`: churn rate 0.03; `common`: churn rate 0.25;
    /// - `lagged`: decay mixed, future churners' declines ending on their churn day.
    public static func preset(_ name: String) -> ChurnWorld? {
        switch name {
        case "default": ChurnWorld()
        case "sudden": ChurnWorld(decay: .sudden)
        case "fade": ChurnWorld(decay: .fade)
        case "seasonal": ChurnWorld(decay: .seasonal)
        case "mixed": ChurnWorld(decay: .mixed)
        case "silent": ChurnWorld(silentShare: 0.6)
        case "false-alarms": ChurnWorld(decay: .mixed, falseAlarms: 0.15)
        case "rare": ChurnWorld(churnRate: 0.03)
        case "common": ChurnWorld(churnRate: 0.25)
        case "lagged": { var world = ChurnWorld(decay: .mixed); world.laggedDeclines = true; return world }()
        default: nil
        }
    }

    /// The share of accounts that churn inside the event window:
    /// min(0.6, 1.5 × churn rate); exactly the original 0.15 by default.
    var historicalShare: Double {
        churnRate == Self.defaultChurnRate ? 0.15 : min(0.6, 1.5 * churnRate)
    }

    /// The share of churners with a visible decline; exactly the original 0.8 by default.
    var warnedShare: Double {
        silentShare == Self.defaultSilentShare ? 0.8 : 1 - silentShare
    }

    /// Checks every value, naming the CLI option of the first bad one.
    func validate() throws(DataGenError) {
        func check(_ value: Double, _ name: String) throws(DataGenError) {
            guard value.isFinite, (0...1).contains(value) else {
                throw .invalidArgument(name: name, message: "must be in 0...1 (got \(value))")
            }
        }
        try check(churnRate, "--churn-rate")
        try check(silentShare, "--silent-share")
        try check(falseAlarms, "--false-alarms")
    }
}
