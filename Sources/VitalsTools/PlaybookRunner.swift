import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsStore

/// The playbooks after a nightly score: the config's rules
/// (``ScoringConfig/playbooks``) are evaluated for every agency at day T
/// (``ToolContext/playbookFacts(agency:asOf:rules:)`` and
/// ``Playbooks/plan(rules:facts:existing:day:)``), and what they decide is
/// written in one transaction: each CTA opened with the rule's tasks, each
/// closed one with its outcome and a timeline note saying why, every change
/// audited as `playbook:<rule id>`, and the alerts the agency's targets take
/// put in the outbox. A crash leaves all of it or none.
public enum PlaybookRunner {
    /// One CTA a rule opened or closed.
    public struct Change: Sendable, Equatable {
        public var agencyID: String
        public var accountID: String
        public var ruleID: String
        public var ctaID: String
        /// Why it opened, or why it closed.
        public var reason: String
        /// `resolved` or `churned` for a close; nil for an open.
        public var outcome: String?
    }

    /// What one evaluation did.
    public struct Outcome: Sendable {
        public var day: AsOf
        public var opened: [Change] = []
        public var closed: [Change] = []
        /// Evaluating the rules (facts and plan), and writing what they decided.
        public var evaluationSeconds = 0.0
        public var writeSeconds = 0.0
    }

    /// Evaluates the enabled playbooks at `day` and applies them to the store.
    /// - Parameter now: wall-clock seconds the CTAs say they were made.
    public static func run(context: ToolContext, day: AsOf, now: Int64 = Int64(Date().timeIntervalSince1970)) throws(StoreError) -> Outcome {
        var outcome = Outcome(day: day)
        let rules = context.config.playbooks.filter(\.enabled)
        guard !rules.isEmpty else { return outcome }
        let byID = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let cooldown = rules.map(\.cooldownDays).max() ?? 0
        let started = Date()

        // Two reads for every agency, then the agencies on all cores (each
        // agency's facts and plan read only the day's scores and logs).
        let targets = try context.store.alertTargetsByAgency()
        let ctas = try context.store.playbookCTAs(closedSince: day.day - cooldown)
        let planned = parallelMap(context.dataset.agencies.count) { agency -> [PlaybookAction] in
            let existing = (ctas[agency] ?? []).map {
                PlaybookCTAState(ctaID: $0.ctaID, accountKey: $0.accountKey, ruleID: $0.ruleID, isOpen: $0.isOpen, closedDay: $0.closedDay)
            }
            let facts = context.playbookFacts(agency: agency, asOf: day, rules: rules)
            return Playbooks.plan(rules: rules, facts: facts, existing: existing, day: day.day)
        }
        let actions = planned.enumerated().flatMap { agency, actions in actions.map { (agency: agency, $0) } }
        outcome.evaluationSeconds = Date().timeIntervalSince(started)

        let writing = Date()
        let dataset = context.dataset
        var opened: [Change] = [], closed: [Change] = []
        do {
            _ = try context.store.write(idempotency: nil, now: now) { transaction in
                for (agency, action) in actions {
                    let agencyID = dataset.agencies[agency].agencyID
                    switch action {
                    case let .open(account, ruleID, reason):
                        guard let rule = byID[ruleID] else { continue }
                        let cta = openCTA(rule, account: account, agency: agency, reason: reason, day: day.day, now: now, dataset: dataset)
                        try transaction.insert(cta)
                        try Alerts.cta("cta.opened", cta, targets: targets[agency] ?? [], transaction, dataset, now: now)
                        try transaction.audit(AuditEntry(atMilliseconds: now * 1000, agencyKey: agency, client: "playbook:\(ruleID)",
                                                         action: "playbook.open", accountID: dataset.accounts[account].accountID,
                                                         objectID: cta.ctaID, outcome: "ok"))
                        opened.append(Change(agencyID: agencyID, accountID: dataset.accounts[account].accountID, ruleID: ruleID,
                                             ctaID: cta.ctaID, reason: reason))
                    case let .close(ctaID, account, ruleID, result, reason):
                        guard var cta = try transaction.cta(ctaID, agencyKey: agency), cta.status != "closed" else { continue }
                        cta.status = "closed"
                        cta.outcome = result
                        cta.snoozedUntil = nil
                        cta.closedAt = now
                        cta.closedDay = day.day
                        cta.updatedAt = now
                        try transaction.update(cta)
                        try Alerts.cta("cta.closed", cta, why: reason, targets: targets[agency] ?? [], transaction, dataset, now: now)
                        try transaction.insert(Activity(
                            activityID: WorkVocabulary.newID("act"), agencyKey: agency, accountKey: account, kind: "update",
                            subject: "Playbook closed the CTA (\(result))", body: reason, author: "playbook:\(ruleID)", occurredAt: now,
                            ctaID: ctaID, planID: nil, createdBy: "playbook:\(ruleID)", createdAt: now))
                        try transaction.audit(AuditEntry(atMilliseconds: now * 1000, agencyKey: agency, client: "playbook:\(ruleID)",
                                                         action: "playbook.close", accountID: dataset.accounts[account].accountID,
                                                         objectID: ctaID, outcome: "ok"))
                        closed.append(Change(agencyID: agencyID, accountID: dataset.accounts[account].accountID, ruleID: ruleID,
                                             ctaID: ctaID, reason: reason, outcome: result))
                    }
                }
                return ""
            }
        } catch {
            throw StoreError.wrap(error)
        }
        outcome.opened = opened
        outcome.closed = closed
        outcome.writeSeconds = Date().timeIntervalSince(writing)
        return outcome
    }

    /// A rule's CTA for an account: owned by the account's owner, due
    /// `dueInDays` after T, with the rule's tasks. A renewal rule's CTA and
    /// tasks are due on the renewal day at the latest (a renewal in 3 days
    /// cannot wait a week).
    static func openCTA(_ rule: PlaybookRule, account: Int, agency: Int, reason: String, day: Int, now: Int64, dataset: Dataset) -> CTA {
        let id = WorkVocabulary.newID("cta")
        let owner = dataset.accounts[account].ownerEmail.lowercased()
        var latest = Int.max
        if case .renewalWithin = rule.trigger, let renewal = dataset.accounts[account].renewalDay, renewal >= day { latest = renewal }
        let tasks = rule.tasks.enumerated().map { position, task in
            CTATask(taskID: WorkVocabulary.newID("tsk"), ctaID: id, position: position, title: task.title, ownerEmail: owner,
                    dueDay: min(day + task.dueInDays, latest), createdBy: "playbook:\(rule.id)", createdAt: now)
        }
        return CTA(ctaID: id, agencyKey: agency, accountKey: account, type: rule.ctaType, reason: reason, priority: rule.priority,
                   ownerEmail: owner, dueDay: min(day + rule.dueInDays, latest), source: "playbook", ruleID: rule.id,
                   createdBy: "playbook:\(rule.id)", createdAt: now, tasks: tasks)
    }
}
