import Benchmark
import Foundation
import VitalsAnalytics
import VitalsJSON
import VitalsStore
import VitalsTools

// Read-tool latency on a scored store (VITALS_BENCH_STORE, default
// out/score-10000000.db as Benchmarks/run-score.sh leaves it), agency ag_001.
// The dataset is loaded once, as the server does; each iteration is one call.
//   - materialized: default arguments, read from the score tables;
//   - on the fly, account: one account's numbers computed from its column slice;
//   - on the fly, agency: agency-wide scans with non-default arguments, and
//     the whole agency re-scored (health, signals, churn inputs) uncached;
//   - work (issue 13): the CTAs the playbooks opened, read from SQLite at each
//     call, on a store where `vitals score` ran them (Benchmarks/playbook_bench.py
//     --keep out/playbooks leaves one: VITALS_BENCH_STORE=out/playbooks/data-10000000.db).

let storePath = ProcessInfo.processInfo.environment["VITALS_BENCH_STORE"] ?? "out/score-10000000.db"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 2_000)
    guard let store = try? Store.open(at: storePath, readOnly: true), let context = try? ToolContext(store: store) else {
        print("QueryLatency: no scored store at \(storePath) (run Benchmarks/run-score.sh first, or set VITALS_BENCH_STORE)")
        return
    }
    let agencyID = "ag_001"
    let agency = context.dataset.agencyKey(agencyID)!
    let accounts = context.index.trackedAccounts[agency].map { context.dataset.accounts[$0].accountID }
    let analytics = context.analytics(context.defaultAsOf)

    func tool(_ label: String, _ name: String, _ arguments: @escaping @Sendable (Int) -> JSONValue?) {
        Benchmark(label) { benchmark in
            for i in benchmark.scaledIterations {
                blackHole(try ReadTools.call(name, agencyID: agencyID, arguments: arguments(i), context: context))
            }
        }
    }
    @Sendable func account(_ i: Int) -> JSONValue { .string(accounts[i % accounts.count]) }

    tool("materialized: get_agency_overview", "get_agency_overview") { _ in nil }
    tool("materialized: list_accounts_at_risk", "list_accounts_at_risk") { _ in nil }
    tool("materialized: get_account", "get_account") { .object(["account_id": account($0)]) }
    tool("materialized: list_health_movers (7 days)", "list_health_movers") { _ in nil }

    // Issue 12: health movers over a non-default window and the at-risk
    // comparison, both against a scored day of the health history (the
    // backfill of Benchmarks/history_bench.py), agency-wide.
    let compared = AsOf(day: context.defaultAsOf.day - 28).description
    tool("history: list_health_movers (28 days, down)", "list_health_movers") { _ in .object(["days": .int(28), "direction": "down"]) }
    tool("history: list_accounts_at_risk compare_to T−28", "list_accounts_at_risk") { _ in .object(["compare_to": .string(compared)]) }
    tool("history: list_tracked_accounts sort_by health_change", "list_tracked_accounts") { _ in .object(["sort_by": "health_change"]) }

    tool("on the fly, account: get_login_activity (45 days)", "get_login_activity") {
        .object(["account_id": account($0), "days": .int(45)])
    }
    tool("on the fly, account: list_feature_metric_movers (14-day window)", "list_feature_metric_movers") {
        .object(["account_id": account($0), "window": .int(14)])
    }
    tool("on the fly, account: list_inactive_users (45 days)", "list_inactive_users") {
        .object(["account_id": account($0), "days": .int(45)])
    }
    Benchmark("on the fly, account: facts + health of one account") { benchmark in
        let keys = context.index.trackedAccounts[agency]
        for i in benchmark.scaledIterations {
            let facts = analytics.facts(of: keys[i % keys.count])
            blackHole(HealthScore(components: HealthComponents(facts: facts, agencyFeatures: 30, asOf: analytics.asOf, config: .standard)))
        }
    }

    // Issue 13: the CS team's work objects, read from the store at each call
    // (no cache): the agency's open CTAs (a page of 8, soonest due first),
    // one account's, one CTA with its tasks and activities, and get_account,
    // which now also reads the account's open CTAs, active plan and notes.
    // The accounts and CTAs cycled through are the ones the playbooks opened.
    let ctas = ["open", "snoozed"].flatMap { status in
        (try? store.ctas(CTAQuery(agencyKey: agency, statusOn: (status, context.defaultAsOf.day)))) ?? []
    }
    if ctas.isEmpty {
        print("QueryLatency: no open CTAs for \(agencyID) in \(storePath): the work cases are skipped "
            + "(run vitals score with playbooks on it, or Benchmarks/playbook_bench.py --keep out/playbooks)")
    } else {
        let ctaIDs = ctas.map(\.ctaID)
        let withCTAs = Array(Set(ctas.map(\.accountKey))).sorted().map { context.dataset.accounts[$0].accountID }
        tool("work: list_ctas (default page, \(ctas.count) open)", "list_ctas") { _ in nil }
        tool("work: list_ctas account_id (\(withCTAs.count) accounts with CTAs)", "list_ctas") {
            .object(["account_id": .string(withCTAs[$0 % withCTAs.count])])
        }
        tool("work: get_cta", "get_cta") { .object(["cta_id": .string(ctaIDs[$0 % ctaIDs.count])]) }
        tool("work: get_account (an account with open CTAs)", "get_account") {
            .object(["account_id": .string(withCTAs[$0 % withCTAs.count])])
        }
    }

    tool("on the fly, agency: list_feature_metric_movers (14-day window)", "list_feature_metric_movers") { _ in .object(["window": .int(14)]) }
    tool("on the fly, agency: list_inactive_users (45 days)", "list_inactive_users") { _ in .object(["days": .int(45)]) }
    tool("on the fly, agency: list_failed_payments (60 days)", "list_failed_payments") { _ in .object(["days": .int(60)]) }
    tool("on the fly, agency: get_revenue_summary (180 days)", "get_revenue_summary") { _ in .object(["days": .int(180)]) }
    Benchmark("on the fly, agency: re-score every account (uncached)") { benchmark in
        for _ in benchmark.scaledIterations {
            let scores = analytics.agencyScores(agency)
            blackHole(analytics.churnFeatures(scores))
        }
    }
}
