import Testing
import VitalsAnalytics
import VitalsColumnar
import VitalsStore

/// Every metric of DESIGN.md on ``AgencyFixture``, against values worked
/// out by hand (the arithmetic is in the comments).
@Suite struct MetricTests {
    let analytics: Analytics
    let agency: Int
    let scores: AgencyScores

    init() throws {
        analytics = try AgencyFixture.analytics()
        agency = try analytics.agency("ag_1")
        scores = analytics.agencyScores(agency)
    }

    func score(_ id: String) throws -> AccountScore {
        try #require(scores.score(of: try analytics.trackedAccount(id, agency: agency)))
    }

    func close(_ a: Double?, _ b: Double?, _ tolerance: Double = 1e-12) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= tolerance
    }

    @Test func defaultAsOfIsTheLatestEventDay() throws {
        let latest = try Analytics(dataset: analytics.dataset)
        #expect(latest.asOf.day == AgencyFixture.asOfDay + 1)
    }

    @Test func onlyTrackedAccountsOfTheAgencyAreScored() throws {
        #expect(scores.scores.map { analytics.dataset.accounts[$0.account].accountID } == ["acc_a", "acc_b", "acc_d", "acc_e"])
        #expect(throws: AnalyticsError.unknownAccount("acc_c")) { try analytics.trackedAccount("acc_c", agency: agency) }
        #expect(throws: AnalyticsError.unknownAccount("acc_f")) { try analytics.trackedAccount("acc_f", agency: agency) }
        #expect(throws: AnalyticsError.unknownUser("uf1")) { try analytics.user("uf1", agency: agency) }
        #expect(throws: AnalyticsError.unknownAgency("ag_9")) { try analytics.agency("ag_9") }
    }

    @Test func activityFactsOfAnActiveAccount() throws {
        let facts = try score("acc_a").facts
        // ua1 on T; ua1 T−3, ua2 T−6 in 7 days; ua3 T−20 in 30; ua4's login on T+1 ignored.
        #expect((facts.users, facts.dau, facts.wau, facts.mau) == (4, 1, 2, 3))
        #expect(facts.lastLoginDay == AgencyFixture.asOfDay)
        // 7 days: email 5 (T−2) + sms 2 (T−1); before: email 5 (T−10). The 100 on T+1 is ignored.
        #expect((facts.uses7, facts.usesPrevious7) == (7, 5))
        // 14 days: 5 + 5 + 2; the 14 before: 4 (T−20).
        #expect((facts.usesTrend, facts.usesTrendPrevious, facts.uses30) == (12, 4, 16))
        #expect(facts.features == 2)
        #expect(facts.failedPayments == 1)  // inv_1 on T−5; inv_0 on T−50 is outside 30 days
        #expect(facts.latestNPS == 6)  // 9 and 6 at the same time: the lower; the 2 is 200 days old
        #expect(facts.daysToRenewal == 10)
        #expect(facts.mrrCents == 12000)  // the 0 dated T+5 is after T
    }

    @Test func healthOfAnActiveAccount() throws {
        let health = try score("acc_a").health
        // activity 2/4, recency 1, breadth 2/2 (chat is untracked, video another agency's),
        // trend clamp(0.5 + 8/8) = 1, payments 1 − 0.5, sentiment 6/10.
        #expect(health.components == HealthComponents(activity: 0.5, recency: 1, breadth: 1, trend: 1, payments: 0.5, sentiment: 0.6))
        // 0.15 + 0.15 + 0.2 + 0.15 + 0.05 + 0.06 = 0.76
        #expect(health.score == 76.0)
        #expect(health.band == .healthy)
        #expect(try score("acc_a").signals.map(\.signal) == [.failedPayment, .detractor, .renewalSoon])
    }

    @Test func accountWithNoEvents() throws {
        let acc = try score("acc_b")
        #expect(acc.facts.lastLoginDay == nil)
        // activity 0, recency 0 (never), breadth 0, trend 0.5 (0 vs 0), payments 1, sentiment 0.5 (none):
        // 0.075 + 0.1 + 0.05 = 0.225
        #expect(acc.health.components == HealthComponents(activity: 0, recency: 0, breadth: 0, trend: 0.5, payments: 1, sentiment: 0.5))
        #expect(acc.health.score == 22.5)
        #expect(acc.health.band == .atRisk)
        #expect(acc.signals.map(\.signal) == [.noLogin14d, .lowSeatUse, .championInactive])
        #expect(acc.signals[0].value == nil)  // never
        // No seats: low_seat_use skipped; no key users: champion_inactive never fires.
        #expect(try score("acc_e").signals.map(\.signal) == [.noLogin14d])
    }

    @Test func decliningAccount() throws {
        let acc = try score("acc_d")
        // last login T−15: recency 1 − 15/30; breadth 1/2; trend 0.5 + 30/2 → 1; one failed payment;
        // the NPS 0 is dated after T. 0.075 + 0.1 + 0.15 + 0.05 + 0.05 = 0.425
        #expect(acc.health.components == HealthComponents(activity: 0, recency: 0.5, breadth: 0.5, trend: 1, payments: 0.5, sentiment: 0.5))
        #expect(acc.health.score == 42.5)
        #expect(acc.health.band == .watch)
        #expect(acc.signals.map(\.signal) == [.noLogin14d, .usageDrop, .failedPayment, .lowSeatUse, .championInactive])
        #expect(acc.signals[0].value == 15)
        #expect(acc.signals[1].value == -0.5)  // 20 → 10
    }

    @Test func roundingIsHalfAwayFromZero() {
        #expect(HealthScore.roundedScore(0.12345) == 12.3)
        #expect(HealthScore.roundedScore(0.5) == 50.0)
        #expect(HealthScore.roundedScore(0.6995) == 70.0)  // 699.5 → 700
        #expect(HealthBand(score: 70.0) == .healthy)
        #expect(HealthBand(score: 69.9) == .watch)
        #expect(HealthBand(score: 40.0) == .watch)
        #expect(HealthBand(score: 39.9) == .atRisk)
    }

    @Test func featureAdoptionAndGaps() throws {
        // 4 tracked accounts; email used by acc_a and acc_d in 30 days → 0.5 (core, on the boundary).
        let adoption = analytics.adoptionByFeature(scores)
        #expect(adoption.map(\.feature) == ["reports", "sms", "email"])
        #expect(adoption.map(\.adoption) == [0, 0.25, 0.5])
        #expect(adoption.map(\.core) == [false, false, true])
        let gaps = analytics.adoptionGaps(scores, account: try analytics.trackedAccount("acc_b", agency: agency))
        #expect(gaps.map(\.feature) == ["email"])
        #expect(analytics.adoptionGaps(scores, account: try analytics.trackedAccount("acc_d", agency: agency)).isEmpty)
        let usage = analytics.featureUsage(scores, days: 30)
        #expect(usage.map(\.feature) == ["email", "sms", "reports"])
        #expect(usage.map(\.uses) == [44, 2, 0])  // 5 + 5 + 4 + 30; 2; reports only 40 days ago
        #expect(usage.map(\.accounts) == [2, 1, 0])
    }

    @Test func featureMovers() throws {
        // 7 days: email 5 + 10 = 15 vs 5 + 20 = 25; sms 2 vs 0 (prev 0: no pct); reports 0 vs 0 left out.
        let both = analytics.featureMovers(agency: agency, window: 7, direction: .both)
        #expect(both.map(\.feature) == ["email", "sms"])
        #expect(both.map(\.delta) == [-10, 2])
        #expect(close(both[0].pctChange, -0.4))
        #expect(both[1].pctChange == nil)
        #expect(analytics.featureMovers(agency: agency, window: 7, direction: .up).map(\.feature) == ["sms", "email"])
        #expect(analytics.featureMovers(agency: agency, window: 7, direction: .down).map(\.feature) == ["email", "sms"])
        // 14 days: email 40 vs 4 (+900 %).
        let fortnight = analytics.featureMovers(agency: agency, window: 14, direction: .up)
        #expect(fortnight.map { [$0.cur, $0.prev] } == [[40, 4], [2, 0]])
        #expect(close(fortnight[0].pctChange, 9))
        // One account: sms +2 ahead of email ±0.
        let accountMoves = analytics.featureMovers(agency: agency, account: try analytics.trackedAccount("acc_a", agency: agency), window: 7)
        #expect(accountMoves.map(\.feature) == ["sms", "email"])
        #expect(accountMoves[1].pctChange == 0)
    }

    @Test func inactiveUsers() {
        // Never-logged-in first (ua4's login is after T), by user_id; uc1 is untracked.
        #expect(analytics.inactiveUsers(agency: agency, days: 30).map(\.userID) == ["ua4", "ub1", "ub2", "ud1", "ue1"])
        let fortnight = analytics.inactiveUsers(agency: agency, days: 14)
        #expect(fortnight.map(\.userID) == ["ua4", "ub1", "ub2", "ud1", "ue1", "ua3", "ud2"])
        #expect(fortnight.suffix(2).map(\.daysSinceLogin) == [20, 15])
        #expect(fortnight[0].daysSinceLogin == nil && fortnight[0].lastLogin == nil)
    }

    @Test func loginActivity() throws {
        let account = try analytics.trackedAccount("acc_a", agency: agency)
        let days = analytics.loginActivity(account: account, days: 7)
        #expect(days.map(\.date) == (-6...0).map(AgencyFixture.date))
        #expect(days.map(\.logins) == [1, 0, 0, 1, 0, 0, 1])
        let ua1 = try analytics.user("ua1", agency: agency)
        #expect(analytics.loginActivity(account: account, user: ua1, days: 7).map(\.logins) == [0, 0, 0, 1, 0, 0, 1])
    }

    @Test func failedPaymentsAndRecovery() {
        // acc_d's retry succeeds on T+2 (after T: not recovered); acc_a's inv_1 recovered on T−3.
        let failed = analytics.failedPayments(agency: agency, days: 30)
        #expect(failed.map(\.accountID) == ["acc_d", "acc_a"])
        #expect(failed.map(\.recovered) == [false, true])
        #expect(failed[1].recoveredAt == AgencyFixture.ts(-3))
        #expect(analytics.failedPayments(agency: agency, days: 60).map(\.invoiceID) == ["inv_9", "inv_1", "inv_0"])
    }

    @Test func upcomingRenewals() {
        #expect(analytics.upcomingRenewals(scores, days: 30).map(\.accountID) == ["acc_a"])
        #expect(analytics.upcomingRenewals(scores, days: 31).map(\.accountID) == ["acc_a", "acc_d"])
        #expect(analytics.upcomingRenewals(scores, days: 31, bands: [.watch]).map(\.accountID) == ["acc_d"])
        #expect(analytics.upcomingRenewals(scores, days: 31, minMRRCents: 13000).map(\.accountID) == ["acc_d"])
    }

    @Test func monthlyMRRMovements() {
        let months = analytics.monthlyMovements(agency: agency)
        #expect(months.map(\.month) == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
                                        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"])
        func month(_ name: String) -> MonthlyMovements { months.first { $0.month == name }! }
        #expect(month("2026-01").new == MoneyCount(cents: 35000, accounts: 3))
        #expect(month("2026-05").churn == MoneyCount(cents: 5000, accounts: 1))
        // Two rows on 2026-08-03: the one ingested last (4000).
        #expect(month("2026-08").new == MoneyCount(cents: 4000, accounts: 1))
        #expect(month("2026-09").reactivation == MoneyCount(cents: 6000, accounts: 1))
        #expect(month("2026-09").new == MoneyCount())
        #expect(month("2026-10").expansion == MoneyCount(cents: 2000, accounts: 1))
        // November ends at T: acc_a's 0 on T+5 is not a churn.
        #expect(month("2026-11").contraction == MoneyCount(cents: 5000, accounts: 1))
        #expect(month("2026-11").churn == MoneyCount())
        #expect((month("2026-11").startMRRCents, month("2026-11").endMRRCents) == (42000, 37000))
        let quiet = months.filter { !["2026-01", "2026-05", "2026-08", "2026-09", "2026-10", "2026-11"].contains($0.month) }
        #expect(quiet.allSatisfy { $0.new == MoneyCount() && $0.churn == MoneyCount() && $0.expansion == MoneyCount() })
    }

    @Test func retention() {
        // Default P0 = T − 365: no MRR yet, empty cohort → no ratio.
        let empty = analytics.retention(agency: agency)
        #expect(empty.cohortAccounts == 0 && empty.nrr == nil && empty.grr == nil && empty.logoChurn == nil)
        let p0 = CivilTime.parseDate("2026-02-01")!
        // Cohort a, b, d: 35000 → 12000 + 6000 + 15000; gross 10000 + 5000 + 15000.
        let year = analytics.retention(agency: agency, from: p0)
        #expect(year.cohortAccounts == 3)
        #expect(close(year.nrr, 33000.0 / 35000))
        #expect(close(year.grr, 30000.0 / 35000))
        #expect(year.revenueChurn == 0 && year.logoChurn == 0)
        let spring = analytics.retention(agency: agency, from: p0, to: CivilTime.parseDate("2026-06-01")!)
        #expect(close(spring.nrr, 30000.0 / 35000))
        #expect(close(spring.revenueChurn, 5000.0 / 35000))
        #expect(close(spring.logoChurn, 1.0 / 3))
    }

    @Test func upsellCandidates() {
        // acc_a is the only Healthy account: seat use 4/10 < 0.8, trend 1 ≥ 0.75.
        let upsell = analytics.upsellCandidates(scores)
        #expect(upsell.map(\.accountID) == ["acc_a"])
        #expect(upsell[0].reasons == ["trend"])
        #expect(upsell[0].seatUse == 0.4)
    }

    @Test func otherAgencyIsSeparate() throws {
        let other = analytics.agencyScores(try analytics.agency("ag_2"))
        #expect(other.scores.count == 1)
        #expect(other.breadthDenominator == 1)  // only video
        #expect(other.scores[0].health.components.breadth == 1)
    }
}
