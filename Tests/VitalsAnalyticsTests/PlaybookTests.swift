import Foundation
import Testing
import VitalsAnalytics
import VitalsColumnar
@testable import VitalsStore
@testable import VitalsTools

/// Playbooks on hand-built facts: each trigger fires exactly when it should,
/// one open CTA per account and rule, the cool-down, auto-close, the config;
/// then the facts of ``TriageFixture`` computed by hand.
@Suite struct PlaybookTests {
    /// T = 2026-11-20.
    static let t = TriageFixture.t

    static func rule(_ trigger: PlaybookTrigger, id: String = "r", autoClose: Bool = true, cooldown: Int = 14, enabled: Bool = true) -> PlaybookRule {
        PlaybookRule(id: id, name: "Rule \(id)", trigger: trigger, ctaType: "risk", priority: "high", dueInDays: 5,
                     tasks: [PlaybookTask(title: "Call the client", dueInDays: 5)], autoClose: autoClose, cooldownDays: cooldown, enabled: enabled)
    }

    static func facts(_ account: Int = 1, band: HealthBand = .watch, health: Double = 55, churned: Bool = false,
                      before: [Int: Double] = [:], renewal: Int? = nil, keyUserDays: Int? = nil, failure: Int? = nil,
                      upsell: Bool = false, upsellReasons: [String] = []) -> PlaybookFacts {
        PlaybookFacts(accountKey: account, band: band, health: health, churned: churned, healthBefore: before, renewalDay: renewal,
                      keyUserDaysSinceLogin: keyUserDays, oldestUnrecoveredFailureDay: failure, upsellCandidate: upsell,
                      upsellReasons: upsellReasons)
    }

    static func reason(_ trigger: PlaybookTrigger, _ facts: PlaybookFacts) -> String? {
        Playbooks.reason(rule(trigger), facts, day: t)
    }

    // MARK: - Each trigger fires exactly when it should

    @Test func inBandFiresOnlyInThatBand() {
        #expect(Self.reason(.inBand(.atRisk), Self.facts(band: .atRisk, health: 32.5)) == "Health 32.5 puts the account in the At Risk band.")
        #expect(Self.reason(.inBand(.atRisk), Self.facts(band: .watch, health: 40)) == nil)
        #expect(Self.reason(.inBand(.atRisk), Self.facts(band: .healthy, health: 80)) == nil)
        #expect(Self.reason(.inBand(.watch), Self.facts(band: .watch, health: 40)) == "Health 40.0 puts the account in the Watch band.")
    }

    @Test func healthDropFiresFromExactlyThePointsOverExactlyTheDays() {
        let drop = PlaybookTrigger.healthDrop(points: 15, days: 7)
        #expect(Self.reason(drop, Self.facts(health: 52.8, before: [7: 71.2])) == "Health fell 18.4 points in 7 days (71.2 → 52.8).")
        // Exactly 15 points fires, also where the difference of the doubles is below 15.
        #expect(Self.reason(drop, Self.facts(health: 55, before: [7: 70])) == "Health fell 15.0 points in 7 days (70.0 → 55.0).")
        #expect(Self.reason(drop, Self.facts(health: 49.1, before: [7: 64.1])) == "Health fell 15.0 points in 7 days (64.1 → 49.1).")  // 14.999… in doubles
        #expect(Self.reason(drop, Self.facts(health: 55.1, before: [7: 70])) == nil)  // 14.9
        #expect(Self.reason(drop, Self.facts(health: 90, before: [7: 60])) == nil)  // a rise
        // The drop is measured over exactly `days`: a drop over 6 or 8 days does not count.
        #expect(Self.reason(drop, Self.facts(health: 40, before: [6: 90, 8: 90])) == nil)
        // No kept health 7 days ago: never fires.
        #expect(Self.reason(drop, Self.facts(health: 10)) == nil)
        #expect(Self.reason(.healthDrop(points: 10, days: 14), Self.facts(health: 40, before: [7: 45, 14: 50])) == "Health fell 10.0 points in 14 days (50.0 → 40.0).")
    }

    @Test func renewalWithinFiresFromTToTPlusDaysInTheBands() {
        let renewal = PlaybookTrigger.renewalWithin(days: 30, bands: [.watch, .atRisk])
        #expect(Self.reason(renewal, Self.facts(band: .watch, health: 51.5, renewal: Self.t)) == "Renews today (2026-11-20) while Watch with health 51.5.")
        #expect(Self.reason(renewal, Self.facts(band: .atRisk, health: 20, renewal: Self.t + 1)) == "Renews on 2026-11-21, in 1 day, while At Risk with health 20.0.")
        #expect(Self.reason(renewal, Self.facts(band: .watch, health: 51.5, renewal: Self.t + 30)) == "Renews on 2026-12-20, in 30 days, while Watch with health 51.5.")
        #expect(Self.reason(renewal, Self.facts(band: .watch, renewal: Self.t + 31)) == nil)
        #expect(Self.reason(renewal, Self.facts(band: .watch, renewal: Self.t - 1)) == nil)  // already past
        #expect(Self.reason(renewal, Self.facts(band: .healthy, health: 75, renewal: Self.t + 10)) == nil)  // band not in the list
        #expect(Self.reason(renewal, Self.facts(band: .watch, renewal: nil)) == nil)  // no renewal date
    }

    @Test func championInactiveFiresFromTheWindowOn() {
        let champion = PlaybookTrigger.championInactive(days: 14)
        #expect(Self.reason(champion, Self.facts(keyUserDays: 14)) == "A key user has not logged in for 14 days.")
        #expect(Self.reason(champion, Self.facts(keyUserDays: 40)) == "A key user has not logged in for 40 days.")
        #expect(Self.reason(champion, Self.facts(keyUserDays: .max)) == "A key user has never logged in.")
        #expect(Self.reason(champion, Self.facts(keyUserDays: 13)) == nil)
        #expect(Self.reason(champion, Self.facts(keyUserDays: nil)) == nil)  // no key users
    }

    @Test func failedPaymentFiresOnceTheFailureIsDaysOld() {
        let failed = PlaybookTrigger.failedPaymentUnrecovered(days: 7)
        #expect(Self.reason(failed, Self.facts(failure: Self.t - 7)) == "A payment failed on 2026-11-13, 7 days ago, and has not been recovered.")
        #expect(Self.reason(failed, Self.facts(failure: Self.t - 30)) == "A payment failed on 2026-10-21, 30 days ago, and has not been recovered.")
        #expect(Self.reason(failed, Self.facts(failure: Self.t - 6)) == nil)
        #expect(Self.reason(failed, Self.facts(failure: nil)) == nil)
    }

    @Test func upsellCandidateFiresForCandidatesOnly() {
        #expect(Self.reason(.upsellCandidate, Self.facts(band: .healthy, health: 82, upsell: true, upsellReasons: ["seat_use", "trend"]))
            == "Upsell candidate: Healthy with health 82.0, seats at least 80 % used and usage trending up.")
        #expect(Self.reason(.upsellCandidate, Self.facts(band: .healthy, health: 82, upsell: false)) == nil)
    }

    /// Facts that fire every default rule, but the account's MRR is 0.
    @Test(arguments: PlaybookRule.defaults) func churnedAccountsNeverFire(_ rule: PlaybookRule) {
        var facts = Self.facts(band: .atRisk, health: 20, before: [7: 90], renewal: Self.t + 5, keyUserDays: .max, failure: Self.t - 20,
                               upsell: true)
        #expect(Playbooks.reason(rule, facts, day: Self.t) != nil)
        facts.churned = true
        #expect(Playbooks.reason(rule, facts, day: Self.t) == nil)
    }

    // MARK: - Dedup and cool-down

    static let atRisk = rule(.inBand(.atRisk), id: "at_risk", cooldown: 14)
    static let firing = facts(1, band: .atRisk, health: 30)
    static let opensAccount1 = PlaybookAction.open(accountKey: 1, ruleID: "at_risk", reason: "Health 30.0 puts the account in the At Risk band.")

    @Test func anOpenOrSnoozedCTAHoldsBackASecond() {
        #expect(Playbooks.plan(rules: [Self.atRisk], facts: [Self.firing], existing: [], day: Self.t) == [Self.opensAccount1])
        // Open or snoozed (the store reports both as open): nothing new.
        let open = PlaybookCTAState(ctaID: "cta_1", accountKey: 1, ruleID: "at_risk", isOpen: true)
        #expect(Playbooks.plan(rules: [Self.atRisk], facts: [Self.firing], existing: [open], day: Self.t) == [])
        // A CTA of another rule or another account does not count.
        let others = [PlaybookCTAState(ctaID: "cta_2", accountKey: 1, ruleID: "health_drop", isOpen: true),
                      PlaybookCTAState(ctaID: "cta_3", accountKey: 2, ruleID: "at_risk", isOpen: true)]
        #expect(Playbooks.plan(rules: [Self.atRisk], facts: [Self.firing], existing: others, day: Self.t) == [Self.opensAccount1])
    }

    @Test func aClosedCTAReopensOnlyAfterTheCooldown() {
        func plan(closedDaysAgo: [Int]) -> [PlaybookAction] {
            let closed = closedDaysAgo.enumerated().map {
                PlaybookCTAState(ctaID: "cta_\($0)", accountKey: 1, ruleID: "at_risk", isOpen: false, closedDay: Self.t - $1)
            }
            return Playbooks.plan(rules: [Self.atRisk], facts: [Self.firing], existing: closed, day: Self.t)
        }
        #expect(plan(closedDaysAgo: [13]) == [])
        #expect(plan(closedDaysAgo: [14]) == [Self.opensAccount1])
        // The latest close counts.
        #expect(plan(closedDaysAgo: [60, 5]) == [])
        #expect(plan(closedDaysAgo: [60, 20]) == [Self.opensAccount1])
        // A closed CTA without a close day does not hold back a new one.
        let undated = PlaybookCTAState(ctaID: "cta_x", accountKey: 1, ruleID: "at_risk", isOpen: false)
        #expect(Playbooks.plan(rules: [Self.atRisk], facts: [Self.firing], existing: [undated], day: Self.t) == [Self.opensAccount1])
    }

    // MARK: - Auto-close

    static let openCTA = PlaybookCTAState(ctaID: "cta_1", accountKey: 1, ruleID: "at_risk", isOpen: true)

    @Test func aClearedConditionClosesResolvedAChurnedAccountClosesChurned() {
        let recovered = Self.facts(1, band: .watch, health: 45)
        #expect(Playbooks.plan(rules: [Self.atRisk], facts: [recovered], existing: [Self.openCTA], day: Self.t)
            == [.close(ctaID: "cta_1", accountKey: 1, ruleID: "at_risk", outcome: "resolved", reason: "No longer At Risk: Watch with health 45.0.")])
        let churned = Self.facts(1, band: .atRisk, health: 20, churned: true)
        #expect(Playbooks.plan(rules: [Self.atRisk], facts: [churned], existing: [Self.openCTA], day: Self.t)
            == [.close(ctaID: "cta_1", accountKey: 1, ruleID: "at_risk", outcome: "churned", reason: "The account churned: its MRR is 0.")])
        // A closed CTA is not closed again.
        let closed = PlaybookCTAState(ctaID: "cta_1", accountKey: 1, ruleID: "at_risk", isOpen: false, closedDay: Self.t - 3)
        #expect(Playbooks.plan(rules: [Self.atRisk], facts: [recovered], existing: [closed], day: Self.t) == [])
    }

    @Test func whatAutoCloseLeavesAlone() {
        let recovered = Self.facts(1, band: .watch, health: 45)
        // auto_close false: the CTA stays open.
        let manual = Self.rule(.inBand(.atRisk), id: "at_risk", autoClose: false)
        #expect(Playbooks.plan(rules: [manual], facts: [recovered], existing: [Self.openCTA], day: Self.t) == [])
        // No facts for the account (untracked now, or another agency's): left alone.
        #expect(Playbooks.plan(rules: [Self.atRisk], facts: [Self.facts(2, band: .watch)], existing: [Self.openCTA], day: Self.t) == [])
        // A disabled rule neither opens nor closes.
        let disabled = Self.rule(.inBand(.atRisk), id: "at_risk", enabled: false)
        #expect(Playbooks.plan(rules: [disabled], facts: [recovered], existing: [Self.openCTA], day: Self.t) == [])
        #expect(Playbooks.plan(rules: [disabled], facts: [Self.firing], existing: [], day: Self.t) == [])
        // A CTA of a rule no longer configured: left alone.
        #expect(Playbooks.plan(rules: [], facts: [recovered], existing: [Self.openCTA], day: Self.t) == [])
        // A health drop whose baseline day the history lacks: unknown, not cleared.
        let drop = Self.rule(.healthDrop(points: 15, days: 7), id: "drop")
        let dropCTA = PlaybookCTAState(ctaID: "cta_9", accountKey: 1, ruleID: "drop", isOpen: true)
        #expect(Playbooks.plan(rules: [drop], facts: [Self.facts(1, health: 30)], existing: [dropCTA], day: Self.t) == [])
        #expect(Playbooks.plan(rules: [drop], facts: [Self.facts(1, health: 60, before: [7: 62])], existing: [dropCTA], day: Self.t)
            == [.close(ctaID: "cta_9", accountKey: 1, ruleID: "drop", outcome: "resolved",
                       reason: "Health is no longer 15.0 points below 7 days ago (62.0 → 60.0).")])
    }

    @Test func actionsComeInRuleOrderThenAccountKey() {
        let rules = [Self.rule(.championInactive(days: 14), id: "champion"), Self.atRisk]
        let facts = [Self.facts(3, band: .atRisk, health: 10, keyUserDays: 20), Self.facts(1, band: .watch, health: 45, keyUserDays: 30),
                     Self.facts(2, band: .atRisk, health: 35)]
        let existing = [Self.openCTA]  // account 1 left At Risk
        #expect(Playbooks.plan(rules: rules, facts: facts, existing: existing, day: Self.t) == [
            .open(accountKey: 1, ruleID: "champion", reason: "A key user has not logged in for 30 days."),
            .open(accountKey: 3, ruleID: "champion", reason: "A key user has not logged in for 20 days."),
            .close(ctaID: "cta_1", accountKey: 1, ruleID: "at_risk", outcome: "resolved", reason: "No longer At Risk: Watch with health 45.0."),
            .open(accountKey: 2, ruleID: "at_risk", reason: "Health 35.0 puts the account in the At Risk band."),
            .open(accountKey: 3, ruleID: "at_risk", reason: "Health 10.0 puts the account in the At Risk band."),
        ])
    }

    // MARK: - The config

    @Test func defaultsRoundTripThroughTheConfigJSON() throws {
        #expect(ScoringConfig.standard.playbooks == PlaybookRule.defaults)
        #expect(PlaybookRule.defaults.map(\.id) == ["entered_at_risk", "health_drop", "renewal_at_risk", "champion_inactive",
                                                    "failed_payment_unrecovered", "upsell_candidate"])
        try PlaybookRule.validate(PlaybookRule.defaults)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(ScoringConfig.standard)
        #expect(try JSONDecoder().decode(ScoringConfig.self, from: data) == ScoringConfig.standard)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#"{"auto_close":true,"cooldown_days":14,"cta_type":"risk","due_in_days":5,"enabled":true,"id":"entered_at_risk","#
            + #""name":"Entered At Risk","priority":"high","tasks":[{"due_in_days":2,"title":"Review the account's health drivers"},"#
            + #"{"due_in_days":5,"title":"Call the client"}],"trigger":{"band":"At Risk","kind":"in_band"}}"#))
        #expect(text.contains(#""trigger":{"bands":["Watch","At Risk"],"days":30,"kind":"renewal_within"}"#))
        // A config without "playbooks" keeps the defaults.
        #expect(try JSONDecoder().decode(ScoringConfig.self, from: Data(#"{"core_adoption": 0.4}"#.utf8)).playbooks == PlaybookRule.defaults)
    }

    @Test func aGivenListReplacesTheDefaults() throws {
        let json = #"""
            {"playbooks": [
              {"id": "big_drop", "name": "Health fell 25 points in 14 days", "trigger": {"kind": "health_drop", "points": 25, "days": 14},
               "cta_type": "risk", "priority": "high", "due_in_days": 3, "tasks": [{"title": "Call the owner", "due_in_days": 1}],
               "auto_close": false, "cooldown_days": 30},
              {"id": "upsell_candidate", "enabled": false},
              {"id": "renewal_at_risk", "trigger": {"kind": "renewal_within", "days": 60, "bands": ["at_risk"]}}
            ]}
            """#
        let config = try JSONDecoder().decode(ScoringConfig.self, from: Data(json.utf8))
        try config.validate()
        #expect(config.playbooks.map(\.id) == ["big_drop", "upsell_candidate", "renewal_at_risk"])
        #expect(config.playbooks[0] == PlaybookRule(
            id: "big_drop", name: "Health fell 25 points in 14 days", trigger: .healthDrop(points: 25, days: 14), ctaType: "risk",
            priority: "high", dueInDays: 3, tasks: [PlaybookTask(title: "Call the owner", dueInDays: 1)], autoClose: false, cooldownDays: 30))
        // A default's id takes the default's values for the keys it leaves out.
        var upsell = PlaybookRule.defaults[5]
        upsell.enabled = false
        #expect(config.playbooks[1] == upsell)
        #expect(config.playbooks[2].trigger == .renewalWithin(days: 60, bands: [.atRisk]))
        #expect(config.playbooks[2].tasks == PlaybookRule.defaults[2].tasks)
        // An empty list turns the playbooks off.
        #expect(try JSONDecoder().decode(ScoringConfig.self, from: Data(#"{"playbooks": []}"#.utf8)).playbooks == [])
    }

    struct BadConfig: CustomStringConvertible, Sendable {
        var json: String
        var name: String
        var message: String
        var description: String { name }
    }

    static let minimal = #""id": "x", "name": "X", "trigger": {"kind": "upsell_candidate"}"#

    static let badConfigs: [BadConfig] = [
        BadConfig(json: #"[{\#(minimal)}, {"id": "y", "name": "Y", "trigger": {"kind": "champion_inactive", "days": 14}}, {"id": "z", "name": "Z", "trigger": {"kind": "health_drop", "points": 15, "days": 0}}]"#,
                  name: "playbooks[2].trigger.days", message: "must be between 1 and 365, got 0"),
        BadConfig(json: #"[{"id": "x", "name": "X", "trigger": {"kind": "health_drop", "points": 0, "days": 7}}]"#,
                  name: "playbooks[0].trigger.points", message: "must be above 0 and at most 100, got 0.0"),
        BadConfig(json: #"[{"id": "x", "name": "X", "trigger": {"kind": "failed_payment_unrecovered", "days": 90}}]"#,
                  name: "playbooks[0].trigger.days", message: "must be between 0 and 89, got 90"),
        BadConfig(json: #"[{"id": "x", "name": "X", "trigger": {"kind": "renewal_within", "days": 30, "bands": []}}]"#,
                  name: "playbooks[0].trigger.bands", message: "must name at least one band (Healthy, Watch, At Risk)"),
        BadConfig(json: #"[{\#(minimal)}, {\#(minimal)}]"#,
                  name: "playbooks[1].id", message: "\"x\" is already the id of playbooks[0]; ids must be unique"),
        BadConfig(json: #"[{"id": "Big Drop", "name": "X", "trigger": {"kind": "upsell_candidate"}}]"#,
                  name: "playbooks[0].id", message: "must be 1 to 64 characters of a-z, 0-9 and _, got \"Big Drop\""),
        BadConfig(json: #"[{\#(minimal), "cta_type": "churn"}]"#,
                  name: "playbooks[0].cta_type", message: "must be one of risk, renewal, expansion, onboarding, other, got \"churn\""),
        BadConfig(json: #"[{\#(minimal), "priority": "urgent"}]"#,
                  name: "playbooks[0].priority", message: "must be one of low, normal, high, got \"urgent\""),
        BadConfig(json: #"[{\#(minimal), "cooldown_days": -1}]"#,
                  name: "playbooks[0].cooldown_days", message: "must be between 0 and 365, got -1"),
        BadConfig(json: #"[{\#(minimal), "tasks": [{"title": "Call", "due_in_days": 400}]}]"#,
                  name: "playbooks[0].tasks[0].due_in_days", message: "must be between 0 and 365, got 400"),
        BadConfig(json: #"[{"id": "x", "name": " ", "trigger": {"kind": "upsell_candidate"}}]"#, name: "playbooks[0].name", message: "must not be empty"),
        BadConfig(json: #"[{"id": "new_rule", "trigger": {"kind": "upsell_candidate"}}]"#, name: "playbooks[0].name",
                  message: "is required for a rule that is not one of the defaults (entered_at_risk, health_drop, renewal_at_risk, "
                      + "champion_inactive, failed_payment_unrecovered, upsell_candidate)"),
        BadConfig(json: #"[{\#(minimal), "cooldown": 3}]"#, name: "config",
                  message: "unknown key \"cooldown\" in playbooks[0]; known: id, name, trigger, cta_type, priority, due_in_days, tasks, auto_close, cooldown_days, enabled"),
        BadConfig(json: #"[{"id": "x", "name": "X", "trigger": {"kind": "health_drop", "points": 15, "days": 7, "window": 3}}]"#, name: "config",
                  message: "unknown key \"window\" in playbooks[0].trigger; known: kind, points, days"),
        BadConfig(json: #"[{"id": "x", "name": "X", "trigger": {"kind": "nps_drop"}}]"#, name: "playbooks[0].trigger.kind",
                  message: "unknown kind \"nps_drop\"; known: in_band, health_drop, renewal_within, champion_inactive, failed_payment_unrecovered, upsell_candidate"),
        BadConfig(json: #"[{"id": "x", "name": "X", "trigger": {"kind": "in_band", "band": "Red"}}]"#, name: "playbooks[0].trigger.band",
                  message: "unknown band \"Red\"; known: Healthy, Watch, At Risk"),
        BadConfig(json: #"[{"id": "x", "name": "X", "trigger": {"kind": "champion_inactive"}}]"#, name: "playbooks[0].trigger.days",
                  message: "is required"),
    ]

    @Test(arguments: badConfigs) func badPlaybooksAreRefusedNamingThePlace(_ bad: BadConfig) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("playbooks-\(UUID().uuidString).json").path
        try Data(#"{"playbooks": \#(bad.json)}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: AnalyticsError.invalidArgument(name: bad.name, message: bad.message)) { try ScoringConfig.load(path: path) }
    }

    // MARK: - Facts on the triage fixture

    /// ``TriageFixture`` plus payments of acc_react (its payments component
    /// falls to 0: three failures in the last 30 days on T, two on D, so its
    /// health is 10 points below the fixture's table on both days).
    static let payments = """
        ts,account_id,invoice_id,amount_cents,status
        \(TriageFixture.ts(-90)),acc_react,inv_old,20000,failed
        \(TriageFixture.ts(-20)),acc_react,inv_2,20000,failed
        \(TriageFixture.ts(-15)),acc_react,inv_2,20000,succeeded
        \(TriageFixture.ts(-10)),acc_react,inv_3,20000,failed
        \(TriageFixture.ts(-3)),acc_react,inv_4,20000,failed
        \(TriageFixture.ts(1)),acc_react,inv_4,20000,succeeded

        """

    /// Facts at T = 2026-11-20 with D = T − 7 scored in the history:
    ///
    /// | account | band, health | churned | healthBefore[7] | renewal | key user inactivity | oldest unrecovered failure | upsell |
    /// |---|---|---|---|---|---|---|---|
    /// | acc_drop | Watch 61.0 | no | 94.5 | — | 8 (ud1 logged in T−8) | — | no |
    /// | acc_rise | Healthy 94.5 | no | 22.5 | — | no key users | — | yes: trend 1 (5 uses vs 0) |
    /// | acc_chr | At Risk 22.5 | yes | 22.5 | T+5 | no key users | — | no |
    /// | acc_react | Watch 57.5 | no | 56.0 | — | no key users | T−10 (T−90 is out of the 90-day lookback, inv_2 recovered at T−15, inv_4's recovery is after T) | no |
    /// | acc_renew | Watch 51.5 | no | 22.5 | T+15 | never (un2 never logged in; un1 at T−2) | — | no |
    @Test func factsOfTheTriageFixture() throws {
        let store = try Store.open(at: TriageFixture.store(adding: ["payments.csv": Self.payments]))
        let scorer = Scorer(context: try ToolContext(store: store, useMaterialized: false))
        try store.writeScores([try scorer.score(AsOf(day: Self.t - 7)), try scorer.score(AsOf(day: Self.t))])
        let context = try ToolContext(store: store)
        let facts = context.playbookFacts(agency: 0, asOf: AsOf(day: Self.t), rules: PlaybookRule.defaults)
        func key(_ id: String) -> Int { context.dataset.accountKey(id)! }

        #expect(facts.map(\.accountKey) == ["acc_drop", "acc_rise", "acc_chr", "acc_react", "acc_renew"].map(key))
        #expect(facts == [
            Self.facts(key("acc_drop"), band: .watch, health: 61, before: [7: 94.5], keyUserDays: 8),
            Self.facts(key("acc_rise"), band: .healthy, health: 94.5, before: [7: 22.5], upsell: true, upsellReasons: ["trend"]),
            Self.facts(key("acc_chr"), band: .atRisk, health: 22.5, churned: true, before: [7: 22.5], renewal: Self.t + 5),
            Self.facts(key("acc_react"), band: .watch, health: 57.5, before: [7: 56], failure: Self.t - 10),
            Self.facts(key("acc_renew"), band: .watch, health: 51.5, before: [7: 22.5], renewal: Self.t + 15, keyUserDays: .max),
        ])

        // What the default playbooks open that night, with nothing open yet.
        #expect(Playbooks.plan(rules: PlaybookRule.defaults, facts: facts, existing: [], day: Self.t) == [
            .open(accountKey: key("acc_drop"), ruleID: "health_drop", reason: "Health fell 33.5 points in 7 days (94.5 → 61.0)."),
            .open(accountKey: key("acc_renew"), ruleID: "renewal_at_risk", reason: "Renews on 2026-12-05, in 15 days, while Watch with health 51.5."),
            .open(accountKey: key("acc_renew"), ruleID: "champion_inactive", reason: "A key user has never logged in."),
            .open(accountKey: key("acc_react"), ruleID: "failed_payment_unrecovered",
                  reason: "A payment failed on 2026-11-10, 10 days ago, and has not been recovered."),
            .open(accountKey: key("acc_rise"), ruleID: "upsell_candidate", reason: "Upsell candidate: Healthy with health 94.5, usage trending up."),
        ])

        // A day the history lacks (T − 7 of T − 1 was never scored): no healthBefore, no health drop.
        let dayBefore = context.playbookFacts(agency: 0, asOf: AsOf(day: Self.t - 1), rules: PlaybookRule.defaults)
        #expect(dayBefore.allSatisfy { $0.healthBefore.isEmpty })
    }
}
