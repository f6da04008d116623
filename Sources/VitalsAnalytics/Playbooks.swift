import VitalsColumnar

/// A playbook: a rule evaluated after every nightly score that opens one
/// call to action (CTA) with the rule's tasks when its trigger fires, kept
/// as data (``defaults`` in the code, replaced by the scoring config's
/// `playbooks` list).
public struct PlaybookRule: Sendable, Equatable {
    /// Stable id, `[a-z0-9_]+` (e.g. `entered_at_risk`): a CTA remembers the rule by it.
    public var id: String
    public var name: String
    public var trigger: PlaybookTrigger
    /// `risk`, `renewal`, `expansion`, `onboarding` or `other`.
    public var ctaType: String
    /// `low`, `normal` or `high` (an account's priority words).
    public var priority: String
    /// The CTA is due `dueInDays` after the day it opens.
    public var dueInDays: Int
    public var tasks: [PlaybookTask]
    /// Close the CTA with outcome `resolved` when the condition clears
    /// (`churned` when the account's MRR went to 0).
    public var autoClose: Bool
    /// A closed CTA of this rule re-opens for the account only `cooldownDays`
    /// after the day it was closed.
    public var cooldownDays: Int
    public var enabled: Bool

    public init(id: String, name: String, trigger: PlaybookTrigger, ctaType: String, priority: String, dueInDays: Int,
                tasks: [PlaybookTask], autoClose: Bool = true, cooldownDays: Int = 14, enabled: Bool = true) {
        self.id = id
        self.name = name
        self.trigger = trigger
        self.ctaType = ctaType
        self.priority = priority
        self.dueInDays = dueInDays
        self.tasks = tasks
        self.autoClose = autoClose
        self.cooldownDays = cooldownDays
        self.enabled = enabled
    }
}

/// One task of a playbook's CTA, due `dueInDays` after the CTA opens.
public struct PlaybookTask: Sendable, Equatable {
    public var title: String
    public var dueInDays: Int

    public init(title: String, dueInDays: Int) {
        self.title = title
        self.dueInDays = dueInDays
    }
}

/// When a playbook fires for an account at day T. In JSON an object with a
/// `kind` (`in_band`, `health_drop`, `renewal_within`, `champion_inactive`,
/// `failed_payment_unrecovered`, `upsell_candidate`) and its parameters.
public enum PlaybookTrigger: Sendable, Equatable {
    /// The account is in the band at T (`{"kind": "in_band", "band": "At Risk"}`).
    case inBand(HealthBand)
    /// health(T − days) − health(T) ≥ points, both from the kept history
    /// (`{"kind": "health_drop", "points": 15, "days": 7}`).
    case healthDrop(points: Double, days: Int)
    /// renewal_date in [T, T + days] while the band is one of `bands`
    /// (`{"kind": "renewal_within", "days": 30, "bands": ["Watch", "At Risk"]}`).
    case renewalWithin(days: Int, bands: [HealthBand])
    /// DESIGN.md's `champion_inactive` with a window of `days`: a key user
    /// without a login in the last `days` days, never-logged-in included;
    /// accounts without key users never fire (`{"kind": "champion_inactive", "days": 14}`).
    case championInactive(days: Int)
    /// A failed payment at least `days` days old (its day ≤ T − days) not
    /// recovered by T (DESIGN.md's `recovered`), among the failures of the
    /// last ``Playbooks/failedPaymentLookbackDays`` days
    /// (`{"kind": "failed_payment_unrecovered", "days": 7}`).
    case failedPaymentUnrecovered(days: Int)
    /// DESIGN.md's upsell candidate at T (`{"kind": "upsell_candidate"}`).
    case upsellCandidate
}

/// What the playbooks know of one tracked account at day T: plain values,
/// built by the tools layer from the day's scores and the kept history.
public struct PlaybookFacts: Sendable, Equatable {
    public var accountKey: Int
    public var band: HealthBand
    /// Health at T, one decimal.
    public var health: Double
    /// MRR(T) = 0 (churned, or never paid): no rule fires for such an account,
    /// and an auto-closing rule closes its CTAs with outcome `churned`.
    public var churned: Bool
    /// Days back → the account's health that day, only where the history
    /// kept the day (a health drop over a missing day neither fires nor clears).
    public var healthBefore: [Int: Double]
    /// renewal_date as days since 1970; nil when empty.
    public var renewalDay: Int?
    /// The largest T − last_login(u) over the account's key users (the least
    /// active one), `Int.max` when one of them never logged in; nil when the
    /// account has no key users.
    public var keyUserDaysSinceLogin: Int?
    /// The day of the oldest failed payment in the lookback that was not
    /// recovered by T; nil when there is none.
    public var oldestUnrecoveredFailureDay: Int?
    public var upsellCandidate: Bool
    /// Why it is an upsell candidate: `seat_use` and/or `trend` (as
    /// `list_upsell_candidates` says); for the CTA's reason only.
    public var upsellReasons: [String]

    public init(accountKey: Int, band: HealthBand, health: Double, churned: Bool = false, healthBefore: [Int: Double] = [:],
                renewalDay: Int? = nil, keyUserDaysSinceLogin: Int? = nil, oldestUnrecoveredFailureDay: Int? = nil,
                upsellCandidate: Bool = false, upsellReasons: [String] = []) {
        self.accountKey = accountKey
        self.band = band
        self.health = health
        self.churned = churned
        self.healthBefore = healthBefore
        self.renewalDay = renewalDay
        self.keyUserDaysSinceLogin = keyUserDaysSinceLogin
        self.oldestUnrecoveredFailureDay = oldestUnrecoveredFailureDay
        self.upsellCandidate = upsellCandidate
        self.upsellReasons = upsellReasons
    }
}

/// A CTA a playbook opened earlier, as the CTA store reports it.
public struct PlaybookCTAState: Sendable, Equatable {
    public var ctaID: String
    public var accountKey: Int
    public var ruleID: String
    /// Open or snoozed.
    public var isOpen: Bool
    /// The day it was closed (when not open); a closed CTA without a day
    /// does not hold back a new one.
    public var closedDay: Int?

    public init(ctaID: String, accountKey: Int, ruleID: String, isOpen: Bool, closedDay: Int? = nil) {
        self.ctaID = ctaID
        self.accountKey = accountKey
        self.ruleID = ruleID
        self.isOpen = isOpen
        self.closedDay = closedDay
    }
}

/// What the playbooks ask the CTA store to do at day T.
public enum PlaybookAction: Sendable, Equatable {
    /// Open a CTA of `ruleID` for the account; `reason` is a sentence with the evidence.
    case open(accountKey: Int, ruleID: String, reason: String)
    /// Close a CTA with outcome `resolved` (the condition cleared) or
    /// `churned` (the account's MRR went to 0).
    case close(ctaID: String, accountKey: Int, ruleID: String, outcome: String, reason: String)
}

extension PlaybookRule {
    /// The six playbooks of the issue, in the order they are evaluated.
    public static let defaults: [PlaybookRule] = [
        PlaybookRule(
            id: "entered_at_risk", name: "Entered At Risk", trigger: .inBand(.atRisk),
            ctaType: "risk", priority: "high", dueInDays: 5,
            tasks: [PlaybookTask(title: "Review the account's health drivers", dueInDays: 2),
                    PlaybookTask(title: "Call the client", dueInDays: 5)],
            autoClose: true, cooldownDays: 14),
        // Not auto-closed: the 7-day window slides past the drop after a week
        // whether or not health came back, which is no resolution.
        PlaybookRule(
            id: "health_drop", name: "Health fell 15 points in 7 days", trigger: .healthDrop(points: 15, days: 7),
            ctaType: "risk", priority: "high", dueInDays: 5,
            tasks: [PlaybookTask(title: "Find which health components fell and why", dueInDays: 2),
                    PlaybookTask(title: "Call the client", dueInDays: 5)],
            autoClose: false, cooldownDays: 14),
        PlaybookRule(
            id: "renewal_at_risk", name: "Renewal within 30 days while Watch or At Risk",
            trigger: .renewalWithin(days: 30, bands: [.watch, .atRisk]),
            ctaType: "renewal", priority: "high", dueInDays: 7,
            tasks: [PlaybookTask(title: "Review the account's health drivers and open issues", dueInDays: 2),
                    PlaybookTask(title: "Hold a renewal call with the client", dueInDays: 7)],
            autoClose: true, cooldownDays: 30),
        PlaybookRule(
            id: "champion_inactive", name: "Champion inactive for 14 days", trigger: .championInactive(days: 14),
            ctaType: "risk", priority: "normal", dueInDays: 7,
            tasks: [PlaybookTask(title: "Check whether the key user is still with the client", dueInDays: 3),
                    PlaybookTask(title: "Re-engage the key user or name a new champion", dueInDays: 7)],
            autoClose: true, cooldownDays: 30),
        PlaybookRule(
            id: "failed_payment_unrecovered", name: "Failed payment not recovered after 7 days",
            trigger: .failedPaymentUnrecovered(days: 7),
            ctaType: "risk", priority: "high", dueInDays: 3,
            tasks: [PlaybookTask(title: "Check the invoice and the payment method on file", dueInDays: 1),
                    PlaybookTask(title: "Contact the client's billing contact", dueInDays: 3)],
            autoClose: true, cooldownDays: 14),
        // Not auto-closed: an account leaving the candidates is no resolved
        // opportunity; the owner closes it with the outcome of the talk.
        PlaybookRule(
            id: "upsell_candidate", name: "Became an upsell candidate", trigger: .upsellCandidate,
            ctaType: "expansion", priority: "normal", dueInDays: 14,
            tasks: [PlaybookTask(title: "Review seat use and feature adoption", dueInDays: 5),
                    PlaybookTask(title: "Propose an upgrade to the client", dueInDays: 14)],
            autoClose: false, cooldownDays: 30),
    ]
}

/// The playbook policy: pure functions of rules, facts and existing CTAs.
public enum Playbooks {
    /// Failed payments older than this many days are not looked at (a
    /// failure's day must be in the last 90 days, `[T−89, T]`).
    public static let failedPaymentLookbackDays = 90

    /// Whether a rule's condition holds for an account at day T.
    ///
    /// The evidence is written only when an action takes it: a night asks
    /// every rule of every account, and most answers change nothing (at
    /// 38,000 accounts, writing each answer's sentence was a third of the
    /// playbooks' planning).
    enum Condition {
        /// It holds; the evidence.
        case holds(() -> String)
        /// It does not; why, for the closing note.
        case cleared(() -> String)
        /// The facts cannot tell (the history lacks a day): neither open nor close.
        case unknown
    }

    /// Why the rule fires for this account at day T, or nil (never for a
    /// churned account). `enabled` is not looked at: that is ``plan(rules:facts:existing:day:)``'s.
    public static func reason(_ rule: PlaybookRule, _ facts: PlaybookFacts, day: Int) -> String? {
        if case let .holds(reason) = condition(rule.trigger, facts, day: day) { reason() } else { nil }
    }

    /// What to open and close at day T.
    ///
    /// For each enabled rule and account whose condition holds: open, unless
    /// an open or snoozed CTA of (account, rule) exists or the latest closed
    /// one closed less than `cooldownDays` before T. For each open or snoozed
    /// CTA of an enabled auto-closing rule whose account has facts and whose
    /// condition no longer holds: close, `churned` when the account churned,
    /// else `resolved`. Accounts without facts, CTAs of rules not in `rules`,
    /// and conditions the facts cannot decide (a health drop over a day the
    /// history did not keep) are left alone.
    /// - Returns: rule order, then account key (then CTA id).
    /// - Complexity: O(rules × facts + existing), after sorting the facts.
    public static func plan(rules: [PlaybookRule], facts: [PlaybookFacts], existing: [PlaybookCTAState], day: Int) -> [PlaybookAction] {
        // Of two facts for one account, the last wins.
        let accounts = Dictionary(facts.map { ($0.accountKey, $0) }, uniquingKeysWith: { _, last in last }).sorted { $0.key < $1.key }
        // Keyed by the rule's position (of its first occurrence): an id's
        // string hashed once per CTA, not once per account and rule.
        var position: [String: Int] = [:]
        for (index, rule) in rules.enumerated() where position[rule.id] == nil { position[rule.id] = index }
        let ctas = Dictionary(grouping: existing.filter { position[$0.ruleID] != nil }) {
            RuleAccount(rule: position[$0.ruleID]!, accountKey: $0.accountKey)
        }
        var actions: [PlaybookAction] = []
        for rule in rules where rule.enabled {
            let ruleKey = position[rule.id]!
            for (account, accountFacts) in accounts {
                let own = ctas[RuleAccount(rule: ruleKey, accountKey: account)] ?? []
                switch condition(rule.trigger, accountFacts, day: day) {
                case let .holds(reason):
                    guard !own.contains(where: \.isOpen) else { continue }
                    if let lastClosed = own.compactMap({ $0.isOpen ? nil : $0.closedDay }).max(), day - lastClosed < rule.cooldownDays {
                        continue
                    }
                    actions.append(.open(accountKey: account, ruleID: rule.id, reason: reason()))
                case let .cleared(why):
                    guard rule.autoClose, own.contains(where: \.isOpen) else { continue }
                    let why = why()
                    for cta in own.filter(\.isOpen).sorted(by: { $0.ctaID < $1.ctaID }) {
                        actions.append(.close(ctaID: cta.ctaID, accountKey: account, ruleID: rule.id,
                                              outcome: accountFacts.churned ? "churned" : "resolved", reason: why))
                    }
                case .unknown:
                    continue
                }
            }
        }
        return actions
    }

    private struct RuleAccount: Hashable {
        var rule: Int
        var accountKey: Int
    }

    /// The rule's condition for one account at day T, with the evidence
    /// either way.
    static func condition(_ trigger: PlaybookTrigger, _ facts: PlaybookFacts, day: Int) -> Condition {
        if facts.churned { return .cleared { "The account churned: its MRR is 0." } }
        var health: String { format(facts.health) }
        switch trigger {
        case let .inBand(band):
            return facts.band == band
                ? .holds { "Health \(health) puts the account in the \(band.rawValue) band." }
                : .cleared { "No longer \(band.rawValue): \(facts.band.rawValue) with health \(health)." }

        case let .healthDrop(points, days):
            guard let before = facts.healthBefore[days] else { return .unknown }
            // Healths have one decimal: the drop is rounded to one too, so
            // that 67.3 → 52.3 is exactly 15 (as health_change reports it).
            let drop = ((before - facts.health) * 10).rounded() / 10
            return drop >= points
                ? .holds { "Health fell \(format(drop)) points in \(days) days (\(format(before)) → \(health))." }
                : .cleared { "Health is no longer \(format(points)) points below \(days) days ago (\(format(before)) → \(health))." }

        case let .renewalWithin(days, bands):
            guard let renewal = facts.renewalDay else { return .cleared { "The account has no renewal date any more." } }
            var date: String { CivilTime.formatDate(days: renewal) }
            if renewal < day { return .cleared { "The renewal date \(date) has passed." } }
            if renewal > day + days { return .cleared { "The renewal date moved to \(date), more than \(days) days away." } }
            var when: String { renewal == day ? "today (\(date))" : "on \(date), in \(renewal - day) day\(renewal - day == 1 ? "" : "s")," }
            return bands.contains(facts.band)
                ? .holds { "Renews \(when) while \(facts.band.rawValue) with health \(health)." }
                : .cleared { "Now \(facts.band.rawValue) with health \(health), renewing \(renewal == day ? "today" : "on \(date)")." }

        case let .championInactive(days):
            guard let inactive = facts.keyUserDaysSinceLogin else { return .cleared { "The account has no key users any more." } }
            guard inactive >= days else { return .cleared { "Every key user logged in within the last \(days) days." } }
            return .holds { inactive == .max ? "A key user has never logged in." : "A key user has not logged in for \(inactive) days." }

        case let .failedPaymentUnrecovered(days):
            guard let failed = facts.oldestUnrecoveredFailureDay, failed <= day - days else {
                return .cleared { "No failed payment older than \(days) days is left unrecovered." }
            }
            return .holds { "A payment failed on \(CivilTime.formatDate(days: failed)), \(day - failed) days ago, and has not been recovered." }

        case .upsellCandidate:
            guard facts.upsellCandidate else { return .cleared { "No longer an upsell candidate (\(facts.band.rawValue), health \(health))." } }
            return .holds {
                let why = facts.upsellReasons.compactMap { ["seat_use": "seats at least 80 % used", "trend": "usage trending up"][$0] }
                let evidence = why.isEmpty ? "" : ", " + why.joined(separator: " and ")
                return "Upsell candidate: \(facts.band.rawValue) with health \(health)\(evidence)."
            }
        }
    }

    /// One decimal, `.0` included (`52.8`, `15.0`).
    static func format(_ value: Double) -> String { String((value * 10).rounded(.toNearestOrAwayFromZero) / 10) }
}
