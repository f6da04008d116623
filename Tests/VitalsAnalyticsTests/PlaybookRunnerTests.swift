import Foundation
import Testing
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
@testable import VitalsStore
@testable import VitalsTools

/// The playbooks applied to the store, on ``TriageFixture``'s two scored
/// days (D = T − 7 and T; health and bands by hand in its table).
@Suite(.serialized) struct PlaybookRunnerTests {
    static let watched: Set<String> = ["entered_at_risk", "health_drop", "renewal_at_risk"]

    static func changes(_ list: [PlaybookRunner.Change]) -> Set<String> {
        Set(list.filter { watched.contains($0.ruleID) }.map { "\($0.ruleID) \($0.accountID)" + ($0.outcome.map { " \($0)" } ?? "") })
    }

    @Test func rulesOpenOnTheDayTheyFireAndCloseWhenTheirConditionClears() throws {
        let store = try TriageToolTests.scored()
        let context = try ToolContext(store: store)
        let d = AsOf(day: TriageFixture.t - 7), t = AsOf(day: TriageFixture.t)

        // D: acc_rise, acc_chr and acc_renew are At Risk (22.5); acc_renew renews in 22 days, acc_chr (still paying) too.
        // No health drop: D − 7 was never scored.
        let onD = try PlaybookRunner.run(context: context, day: d, now: 1_000_000)
        #expect(Self.changes(onD.opened) == ["entered_at_risk acc_rise", "entered_at_risk acc_chr", "entered_at_risk acc_renew",
                                             "renewal_at_risk acc_renew", "renewal_at_risk acc_chr"])
        #expect(onD.closed.isEmpty)

        // T: acc_rise is Healthy (94.5) and acc_renew Watch (51.5): resolved; acc_chr churned on 11-15.
        // acc_drop fell 94.5 → 61.0; acc_renew still renews within 30 days while Watch: its renewal CTA stays.
        let onT = try PlaybookRunner.run(context: context, day: t, now: 2_000_000)
        #expect(Self.changes(onT.closed) == ["entered_at_risk acc_rise resolved", "entered_at_risk acc_renew resolved",
                                             "entered_at_risk acc_chr churned", "renewal_at_risk acc_chr churned"])
        #expect(Self.changes(onT.opened) == ["health_drop acc_drop"])
        #expect(onT.opened.first { $0.ruleID == "health_drop" }?.reason.contains("33.5 points") == true)

        // Again on T: everything is already as the rules say.
        let again = try PlaybookRunner.run(context: context, day: t, now: 3_000_000)
        #expect(Self.changes(again.opened).isEmpty && Self.changes(again.closed).isEmpty)

        // What the store keeps: the CTA with its tasks, its close, the timeline note and the audit.
        let ctas = try store.ctas(CTAQuery(agencyKey: 0))
        let renewal = try #require(ctas.first { $0.ruleID == "renewal_at_risk" && context.dataset.accounts[$0.accountKey].accountID == "acc_renew" })
        #expect(renewal.status == "open" && renewal.source == "playbook" && renewal.createdBy == "playbook:renewal_at_risk")
        #expect(renewal.dueDay == d.day + 7 && renewal.priority == "high" && renewal.type == "renewal")
        #expect(renewal.tasks.map(\.dueDay) == [d.day + 2, d.day + 7])
        #expect(renewal.ownerEmail == "o2@x.test")
        let risen = try #require(ctas.first { $0.ruleID == "entered_at_risk" && context.dataset.accounts[$0.accountKey].accountID == "acc_rise" })
        #expect(risen.status == "closed" && risen.outcome == "resolved" && risen.closedDay == t.day)
        let note = try store.activities(ActivityQuery(agencyKey: 0, ctaID: risen.ctaID)).items
        #expect(note.map(\.kind) == ["update"] && note.first?.author == "playbook:entered_at_risk")
        let audit = try store.auditEntries(agencyKey: 0).filter { $0.objectID == risen.ctaID }
        #expect(audit.map(\.action) == ["playbook.open", "playbook.close"])
        #expect(audit.allSatisfy { $0.client == "playbook:entered_at_risk" && $0.accountID == "acc_rise" })

        // Through the tools: list_ctas shows the open ones, get_account counts them.
        let open = try ReadTools.call("list_ctas", agencyID: "ag_1", arguments: ["account_id": "acc_renew", "type": "renewal"], context: context)
        #expect(open["items"]?.arrayValue?.map { $0["cta_id"] } == [.string(renewal.ctaID)])
    }

    @Test func aPersonsCloseHoldsBackTheRuleForItsCoolDown() throws {
        let store = try TriageToolTests.scored()
        let context = try ToolContext(store: store)
        let d = AsOf(day: TriageFixture.t - 7), t = AsOf(day: TriageFixture.t)
        _ = try PlaybookRunner.run(context: context, day: d, now: 1_000_000)
        // The CSM closes the renewal CTA on D: the condition still holds on T, but the 30-day cool-down keeps it closed.
        let accRenew = try #require(context.dataset.accountKey("acc_renew"))
        let renewal = try #require(try store.ctas(CTAQuery(agencyKey: 0, accountKey: accRenew, ruleID: "renewal_at_risk")).first)
        _ = try WriteTools.call("update_cta", agencyID: "ag_1", client: "key_csm",
                                arguments: ["cta_id": .string(renewal.ctaID), "status": "closed", "outcome": "renewed"],
                                context: context, scopes: Set(Scope.allCases))
        let onT = try PlaybookRunner.run(context: context, day: t, now: 2_000_000)
        #expect(!onT.opened.contains { $0.ruleID == "renewal_at_risk" })
        #expect(try store.ctas(CTAQuery(agencyKey: 0, accountKey: accRenew, ruleID: "renewal_at_risk")).map(\.outcome) == ["renewed"])
    }

    @Test func aRenewalCTAIsDueByTheRenewalDay() throws {
        let store = try TriageToolTests.scored()
        var config = ScoringConfig.standard
        var rule = try #require(PlaybookRule.defaults.first { $0.id == "renewal_at_risk" })
        rule.dueInDays = 20
        rule.tasks = [PlaybookTask(title: "Prepare the quote", dueInDays: 3), PlaybookTask(title: "Renewal call", dueInDays: 15)]
        config.playbooks = [rule]
        let context = try ToolContext(store: store, config: config)
        let d = TriageFixture.t - 7
        _ = try PlaybookRunner.run(context: context, day: AsOf(day: d))
        // acc_chr renews on T + 5 = D + 12: due then, not on D + 20; the 3-day task keeps its day.
        let chr = try #require(context.dataset.accountKey("acc_chr"))
        let cta = try #require(try store.ctas(CTAQuery(agencyKey: 0, accountKey: chr)).first)
        #expect(cta.dueDay == d + 12)
        #expect(cta.tasks.map(\.dueDay) == [d + 3, d + 12])
        // acc_renew renews on D + 22: its CTA is due D + 20 as the rule says.
        let renew = try #require(context.dataset.accountKey("acc_renew"))
        #expect(try store.ctas(CTAQuery(agencyKey: 0, accountKey: renew)).first?.dueDay == d + 20)
    }

    @Test func noRuleNoCTA() throws {
        let store = try TriageToolTests.scored()
        var config = ScoringConfig.standard
        config.playbooks = []
        let context = try ToolContext(store: store, config: config)
        let outcome = try PlaybookRunner.run(context: context, day: AsOf(day: TriageFixture.t))
        #expect(outcome.opened.isEmpty && outcome.closed.isEmpty)
        #expect(try store.ctas(CTAQuery(agencyKey: 0)).isEmpty)
    }
}
