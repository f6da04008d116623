import Foundation
import GRDB
import Testing
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
@testable import VitalsStore
@testable import VitalsTools

/// Issue 12 on ``TriageFixture``: every value below is computed by hand in
/// the fixture's table.
@Suite(.serialized) struct TriageToolTests {
    /// The fixture scored on D = T − 7 and on T (both in the health history).
    static func scored() throws -> Store {
        let store = try Store.open(at: TriageFixture.store())
        let context = try ToolContext(store: store, useMaterialized: false)
        let scorer = Scorer(context: context)
        try store.writeScores([try scorer.score(AsOf(day: TriageFixture.t - 7)), try scorer.score(AsOf(day: TriageFixture.t))])
        return store
    }

    /// A backfill's earlier days are scored without detail (the store keeps
    /// the newest day's alone): the same scores and health history, and the
    /// store they leave answers as if they had been scored in full.
    @Test func aBackfillsEarlierDaysKeepTheirScoresWithoutDetail() throws {
        let store = try Store.open(at: TriageFixture.store())
        let scorer = Scorer(context: try ToolContext(store: store, useMaterialized: false))
        let day = AsOf(day: TriageFixture.t - 7)
        let full = try scorer.score(day), lean = try scorer.score(day, detailed: false)
        #expect(full.scores.allSatisfy { !$0.detail.isEmpty } && !full.agencyResults.isEmpty)
        #expect(lean.scores.allSatisfy { $0.detail.isEmpty } && lean.agencyResults.isEmpty)
        #expect(lean.scores.map { var score = $0; score.detail = []; return score }
            == full.scores.map { var score = $0; score.detail = []; return score })
        #expect(lean.history == full.history && lean.modelJSON == full.modelJSON)
        try store.writeScores([lean, try scorer.score(AsOf(day: TriageFixture.t))])
        let context = try ToolContext(store: store)
        let movers = try Self.call("list_health_movers", [:], context)
        #expect(movers["source"] == "materialized")
        #expect(movers == (try Self.call("list_health_movers", [:], try ToolContext(store: try Self.scored()))))
    }

    static func call(_ tool: String, _ arguments: JSONValue = [:], _ context: ToolContext) throws -> JSONValue {
        try ReadTools.call(tool, agencyID: "ag_1", arguments: arguments, context: context)
    }

    static func items(_ result: JSONValue) -> [JSONValue] { result["items"]?.arrayValue ?? [] }

    static func ids(_ result: JSONValue) -> [String] {
        items(result).map { ($0["account_id"] ?? $0["account"]?["account_id"])?.stringValue ?? "?" }
    }

    @Test func churnedAccountsStandApart() throws {
        let context = try ToolContext(store: try Self.scored())
        let overview = try Self.call("get_agency_overview", [:], context)
        #expect(overview["source"] == "materialized")
        #expect(overview["paying_accounts"] == 4)
        #expect(overview["accounts_by_band"] == ["Healthy": 1, "Watch": 3, "At Risk": 0])
        #expect(overview["churned_accounts"] == 1)
        #expect(overview["churned_mrr_this_month_cents"] == 30000)
        #expect(overview["mrr_cents"] == 170000)
        #expect(overview["average_health"] == 68.6)  // (61 + 94.5 + 67.5 + 51.5) / 4

        let all = try Self.call("list_tracked_accounts", [:], context)
        let chr = try #require(Self.items(all).first { $0["account_id"] == "acc_chr" })
        #expect(chr["churned"] == true)
        #expect(chr["churned_since"] == "2026-11-15")
        // Reactivated in September: paying, never "churned since".
        let react = try #require(Self.items(all).first { $0["account_id"] == "acc_react" })
        #expect(react["churned"] == false)
        #expect(react["churned_since"] == .null)

        // Renewals: the churned account only when asked.
        #expect(Self.ids(try Self.call("list_upcoming_renewals", [:], context)) == ["acc_renew"])
        #expect(Self.ids(try Self.call("list_upcoming_renewals", ["include_churned": true], context)) == ["acc_chr", "acc_renew"])
        // At risk: paying accounts only, unless asked.
        #expect(Set(Self.ids(try Self.call("list_accounts_at_risk", [:], context))) == ["acc_drop", "acc_react", "acc_renew"])
        #expect(Set(Self.ids(try Self.call("list_accounts_at_risk", ["include_churned": true], context))) == ["acc_drop", "acc_react", "acc_renew", "acc_chr"])
    }

    @Test func healthChangeComesFromTheHistory() throws {
        let store = try Self.scored()
        let context = try ToolContext(store: store)
        // Two compact days of one agency of five accounts.
        let size = try store.healthHistorySize()
        #expect(size.rows == 2)
        #expect(size.bytes < 2 * 250)

        let down = try Self.call("list_health_movers", ["direction": "down"], context)
        #expect(down["compared_to"] == "2026-11-13")
        #expect(down["compared_from"] == "history")
        #expect(Self.ids(down) == ["acc_drop"])
        let drop = try #require(Self.items(down).first)
        #expect(drop["health_then"] == 94.5)
        #expect(drop["health"] == 61.0)
        #expect(drop["health_change"] == -33.5)
        #expect(drop["band_then"] == "Healthy")
        #expect(drop["components_moved"] == [
            ["component": "activity", "then": 1.0, "now": 0.0, "points": -30.0],
            ["component": "recency", "then": 0.9667, "now": 0.7333, "points": -3.5],
        ])
        let up = try Self.call("list_health_movers", ["direction": "up"], context)
        #expect(Self.ids(up) == ["acc_rise", "acc_renew", "acc_react"])
        #expect(Self.items(up).map { $0["health_change"] } == [72.0, 29.0, 1.5])

        // get_account: the trend over both scored days; the row's 7-day change.
        let account = try Self.call("get_account", ["account_id": "acc_drop"], context)
        #expect(account["health_trend"]?.arrayValue?.map { [$0["as_of"], $0["health"]] } == [["2026-11-13", 94.5], ["2026-11-20", 61.0]])
        #expect(account["account"]?["health_change"] == -33.5)
    }

    @Test func daysScoredBeforeTheHistoryExistedBecomeHistory() throws {
        // What an older binary left: day D with its full detail and no history row.
        let store = try Store.open(at: TriageFixture.store())
        let context = try ToolContext(store: store, useMaterialized: false)
        let scorer = Scorer(context: context)
        let d = AsOf(day: TriageFixture.t - 7)
        try store.writeScores([try scorer.score(d)])
        // An older binary kept the scores a row per account, detail as JSON text.
        let rows = try store.materializedScores(asOfDay: d.day).map { row in
            var row = row
            row.detail = JSONTextWriter.text(of: try #require(AccountRisk(stored: row.detail)))
            return row
        }
        #expect(rows.count == 5)
        try store.write { db in
            try db.execute(sql: "DELETE FROM health_history")
            try db.execute(sql: "DELETE FROM agency_scores")
            for row in rows {
                let c = row.components
                try db.execute(sql: """
                    INSERT INTO account_scores (as_of_day, account_key, agency_key, health, band, activity, recency, breadth,
                        trend, payments, sentiment, churn_risk, signals, detail_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [d.day, row.accountKey, row.agencyKey, row.health, row.band, c[0], c[1], c[2], c[3], c[4], c[5],
                                     row.churnRisk, row.signals.joined(separator: ";"), String(decoding: row.detail, as: UTF8.self)])
            }
        }
        #expect(try store.materializedScores(asOfDay: d.day) == rows)
        #expect(try store.healthHistorySize().rows == 0)
        // Scoring T prunes D's detail; D is kept as history first, exactly as it was scored.
        try store.writeScores([try scorer.score(AsOf(day: TriageFixture.t))])
        #expect(try store.healthHistorySize().rows == 2)
        let converted = try #require(try store.healthHistory(agencyKey: 0).first { $0.day == d.day })
        #expect(converted == context.scored(agency: 0, asOf: d).daily(day: d.day, agency: 0))
        #expect(try store.materializedScores(asOfDay: d.day).isEmpty)
        let down = try Self.call("list_health_movers", ["direction": "down"], try ToolContext(store: store))
        #expect(down["compared_from"] == "history")
        #expect(Self.items(down).first?["health_then"] == 94.5)
    }

    @Test func listsSortAndFilter() throws {
        let context = try ToolContext(store: try Self.scored())
        func ids(_ arguments: JSONValue) throws -> [String] { Self.ids(try Self.call("list_tracked_accounts", arguments, context)) }
        #expect(try ids(["sort_by": "mrr"]) == ["acc_renew", "acc_drop", "acc_react", "acc_rise", "acc_chr"])
        #expect(try ids(["sort_by": "mrr", "sort_order": "asc"]) == ["acc_chr", "acc_react", "acc_rise", "acc_drop", "acc_renew"])
        #expect(try ids(["sort_by": "health"]) == ["acc_chr", "acc_renew", "acc_drop", "acc_react", "acc_rise"])
        #expect(try ids(["sort_by": "health_change"]) == ["acc_drop", "acc_chr", "acc_react", "acc_renew", "acc_rise"])
        #expect(try ids(["sort_by": "name"]) == ["acc_react", "acc_renew", "acc_chr", "acc_drop", "acc_rise"])
        // Accounts without a renewal date go last.
        #expect(try ids(["sort_by": "renewal_date"]) == ["acc_chr", "acc_renew", "acc_drop", "acc_react", "acc_rise"])
        #expect(try ids(["owner_email": "O1@X.TEST"]) == ["acc_drop"])
        #expect(try ids(["plan": "AGENCY"]) == ["acc_renew"])
        #expect(try ids(["priority": "high"]) == ["acc_drop"])
        #expect(try ids(["min_mrr_cents": 30000]) == ["acc_drop", "acc_renew"])
        #expect(try ids(["max_mrr_cents": 20000]) == ["acc_chr", "acc_react", "acc_rise"])
        #expect(try ids(["churned": true]) == ["acc_chr"])
        #expect(try ids(["bands": ["Watch"], "sort_by": "mrr"]) == ["acc_renew", "acc_drop", "acc_react"])
        // The same filters on the triage lists.
        #expect(Self.ids(try Self.call("list_accounts_at_risk", ["sort_by": "mrr"], context)) == ["acc_renew", "acc_drop", "acc_react"])
        #expect(Self.ids(try Self.call("list_upcoming_renewals", ["include_churned": true, "sort_by": "mrr"], context)) == ["acc_renew", "acc_chr"])
        // fields narrows each item.
        let narrow = try Self.call("list_tracked_accounts", ["fields": ["account_id", "mrr_cents"], "limit": 1], context)
        #expect(Self.items(narrow) == [["account_id": "acc_chr", "mrr_cents": 0]])
        #expect(throws: ToolError("invalid fields: each entry is one of account_id, band, churn_risk, churned, churned_since, health, health_change, mrr_cents, name, owner_email, plan, priority, renewal_date, signals, top_signal (example: [\"account_id\", \"mrr_cents\"])")) {
            try Self.call("list_tracked_accounts", ["fields": ["mrr"]], context)
        }
    }

    @Test func theAtRiskListComparesWithAnEarlierDay() throws {
        let context = try ToolContext(store: try Self.scored())
        let compared = try Self.call("list_accounts_at_risk", ["compare_to": "2026-11-13"], context)
        #expect(compared["compared_from"] == "history")
        #expect(compared["comparison"] == ["entered": 1, "still_there": 2, "left_recovered": 1, "left_churned": 1])
        var status: [String: String] = [:]
        for item in Self.items(compared) { status[item["account"]!["account_id"]!.stringValue!] = item["comparison"]?["status"]?.stringValue }
        #expect(status == ["acc_drop": "entered", "acc_react": "still_there", "acc_renew": "still_there",
                           "acc_rise": "left_recovered", "acc_chr": "left_churned"])
        let renew = try #require(Self.items(compared).first { $0["account"]?["account_id"] == "acc_renew" })
        #expect(renew["comparison"]?["band_then"] == "At Risk")
        // Computed from the columns when the day was never scored: the same answer.
        let fresh = try ToolContext(store: try Store.open(at: TriageFixture.store()), useMaterialized: false)
        let computed = try Self.call("list_accounts_at_risk", ["compare_to": "2026-11-13"], fresh)
        #expect(computed["compared_from"] == "computed")
        #expect(computed["comparison"] == compared["comparison"])
        #expect(throws: ToolError("invalid compare_to: must be before as_of (2026-11-20), got 2026-11-20 (example: 2026-10-20)")) {
            try Self.call("list_accounts_at_risk", ["compare_to": "2026-11-20"], context)
        }
    }

    @Test func answersSayHowFreshAndRefuseDaysOutsideTheData() throws {
        let context = try ToolContext(store: try Self.scored())
        for tool in ["get_agency_overview", "list_tracked_accounts", "list_health_movers", "get_revenue_summary"] {
            #expect(try Self.call(tool, [:], context)["data_through"] == "2026-11-20", "\(tool)")
        }
        for day in ["2026-11-09", "2027-01-01"] {
            #expect(throws: ToolError("as_of \(day) is outside the data: events run from 2026-11-10 through 2026-11-20 (data_through); pass a day in that range, or leave as_of out for 2026-11-20")) {
                try Self.call("list_tracked_accounts", ["as_of": .string(day)], context)
            }
        }
        // Windows count from as_of: ten days earlier, acc_renew renews in 25
        // days and acc_chr (still paying then) in 15.
        let earlier = try Self.call("list_upcoming_renewals", ["as_of": "2026-11-10"], context)
        #expect(Self.items(earlier).map { [$0["account_id"], $0["days_to_renewal"]] } == [["acc_chr", 15], ["acc_renew", 25]])
    }

    @Test func signalsAreRankedByWeightAndSearchForgives() throws {
        let context = try ToolContext(store: try Self.scored())
        #expect(context.model(AsOf(day: TriageFixture.t)).kind == "prior")
        // The prior's weights: champion_inactive 0.6 > renewal_soon 0.5 (DESIGN.md's order is the reverse).
        let found = try Self.call("search_accounts", ["query": "charlotte orthodontics llc"], context)
        #expect(Self.ids(found) == ["acc_renew"])
        let renew = try #require(Self.items(found).first)
        #expect(renew["signals"] == ["champion_inactive", "renewal_soon"])
        #expect(renew["top_signal"] == "champion_inactive")
        let detail = try Self.call("get_account", ["account_id": "acc_renew"], context)
        #expect(detail["score"]?["signals"]?.arrayValue?.map { $0["weight"] } == [0.6, 0.5])
        for query in ["CHARLÓTTE ortho", "Orthodontics, L", "acc_ren", "o2@x"] {
            #expect(Self.ids(try Self.call("search_accounts", ["query": .string(query)], context)).contains("acc_renew"), "\(query)")
        }
        #expect(Self.ids(try Self.call("search_accounts", ["query": "dontics"], context)).isEmpty)
    }

    @Test func aWriteShowsInTheNextAnswer() throws {
        let store = try Self.scored()
        let live = try LiveContext(store: store, checkInterval: 3600)
        let before = try Self.call("list_tracked_accounts", ["priority": "high"], live.current())
        #expect(Self.ids(before) == ["acc_drop"])
        _ = try WriteTools.call("set_account_priority", agencyID: "ag_1", client: "test",
                                arguments: ["account_id": "acc_react", "priority": "high"], context: live.current(), scopes: [.writeMetadata])
        live.expire()  // what the server does after every write
        let context = live.current()
        // The default list is no longer read from the nightly results: they show the old priority.
        let after = try Self.call("list_tracked_accounts", [:], context)
        #expect(after["source"] == "computed")
        #expect(Self.items(after).first { $0["account_id"] == "acc_react" }?["priority"] == "high")
        #expect(Self.ids(try Self.call("list_tracked_accounts", ["priority": "high"], context)) == ["acc_drop", "acc_react"])
        // The next score serves from the store again.
        try store.writeScores([try Scorer(context: try ToolContext(store: store, useMaterialized: false)).score(AsOf(day: TriageFixture.t))])
        let rescored = try ToolContext(store: store)
        #expect(try Self.call("list_tracked_accounts", [:], rescored)["source"] == "materialized")
    }
}
