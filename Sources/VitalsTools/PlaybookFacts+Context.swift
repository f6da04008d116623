import VitalsAnalytics
import VitalsColumnar
import VitalsStore

extension ToolContext {
    /// What the playbooks know of every tracked account of `agency` at `day`,
    /// in account key order.
    ///
    /// Band, health and churned come from the day's scores (``scored(agency:asOf:)``,
    /// which the nightly score has already computed); the health of the
    /// health-drop rules' baseline days from the **kept history only**: a day
    /// the history lacks is left out of `healthBefore` rather than scored now
    /// (that would cost a whole score), so a health-drop rule neither fires
    /// nor closes for it. Key users, failed payments and renewal dates come
    /// from the indexed logs, per account; upsell from ``Analytics/upsellCandidates(_:)``.
    /// - Complexity: O(accounts + their users and payment rows), plus a read of the
    ///   agency's kept baseline day for each health-drop rule's days; no
    ///   event is scanned.
    public func playbookFacts(agency: Int, asOf day: AsOf, rules: [PlaybookRule]) -> [PlaybookFacts] {
        let scored = scored(agency: agency, asOf: day)
        let analytics = analytics(day)
        var dropDays: Set<Int> = []
        for rule in rules where rule.enabled {
            if case let .healthDrop(_, days) = rule.trigger { dropDays.insert(days) }
        }
        let baselines = dropDays.sorted().compactMap { days in kept(agency: agency, day: day.day - days).map { (days: days, scores: $0) } }
        var upsell: [Int: [String]] = [:]
        for candidate in analytics.upsellCandidates(scored.scores) {
            if let key = dataset.accountKey(candidate.accountID) { upsell[key] = candidate.reasons }
        }

        return scored.risks.map { risk in
            let account = risk.accountKey
            var before: [Int: Double] = [:]
            for baseline in baselines {
                if let position = baseline.scores.position(of: account) { before[baseline.days] = baseline.scores.health(at: position) }
            }
            let unrecovered = analytics.failures(of: account, days: Playbooks.failedPaymentLookbackDays)
                .filter { $0.recovery == nil }
                .map { CivilTime.day(ofSeconds: $0.failure.ts) }
                .min()
            return PlaybookFacts(
                accountKey: account, band: risk.band, health: risk.health, churned: risk.churned,
                healthBefore: before,
                renewalDay: dataset.accounts[account].renewalDay,
                keyUserDaysSinceLogin: analytics.longestKeyUserInactivity(of: account),
                oldestUnrecoveredFailureDay: unrecovered,
                upsellCandidate: upsell[account] != nil, upsellReasons: upsell[account] ?? [])
        }
    }
}
