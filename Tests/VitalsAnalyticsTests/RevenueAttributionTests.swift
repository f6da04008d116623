import Foundation
import Testing
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore
@testable import VitalsTools

/// A small agency for `list_revenue_movements`, T = 2026-11-20, with one
/// account per movement. MRR rows (cents):
///
/// | account | rows | movement (month: start → end) |
/// |---|---|---|
/// | acc_churn | 01-01 30000, 10-12 0 | Oct churn 30000 → 0 |
/// | acc_expand | 01-01 10000, 11-05 17000, 11-23 0 (after T) | Nov expansion 10000 → 17000 |
/// | acc_new | 10-20 8000 | Oct new 0 → 8000 |
/// | acc_react | 01-01 5000, 06-01 0, 11-10 7000 | Jun churn, Nov reactivation 0 → 7000 |
/// | acc_shrink | 01-01 20000, 09-03 18000, 09-25 12000 | Sep contraction 20000 → 12000, changed 09-25 |
/// | acc_round | 01-01 10000, 10-05 0, 10-15 10000 | none in Oct: 10000 at both edges |
/// | acc_hidden (untracked) | 01-01 9999, 10-10 0 | never listed |
/// | acc_other (ag_2) | 01-01 4444, 11-01 0 | Nov churn, in ag_2 only |
///
/// Every account starting on 2026-01-01 is "new" in January. The first
/// event day is 2026-08-26 (acc_shrink's login), so a `before` day
/// (changed_on − 30) earlier than that is null.
enum RevenueFixture {
    static let asOf = AsOf("2026-11-20")!

    static let files: [String: String] = [
        "agencies.csv": "agency_id,name\nag_1,First Agency\nag_2,Second Agency\n",
        "accounts.csv": """
            account_id,agency_id,name,plan,seats,created_at,renewal_date,owner_email,tracked,priority
            acc_churn,ag_1,Churner,pro,5,2025-06-01T00:00:00Z,,o@a.test,true,normal
            acc_expand,ag_1,Expander,pro,1,2025-06-01T00:00:00Z,,o@a.test,true,normal
            acc_new,ag_1,Newcomer,starter,,2026-10-01T00:00:00Z,,o@a.test,true,normal
            acc_react,ag_1,Returner,starter,,2025-06-01T00:00:00Z,,o@a.test,true,normal
            acc_shrink,ag_1,Shrinker,agency,,2025-06-01T00:00:00Z,,o@a.test,true,normal
            acc_round,ag_1,Roundtrip,pro,,2025-06-01T00:00:00Z,,o@a.test,true,normal
            acc_hidden,ag_1,Hidden,pro,,2025-06-01T00:00:00Z,,o@a.test,false,normal
            acc_other,ag_2,Other,pro,,2025-06-01T00:00:00Z,,o@b.test,true,normal

            """,
        "users.csv": """
            user_id,account_id,email,name,role,created_at,key_user
            uch1,acc_churn,uch1@a.test,C1,admin,,true
            uex1,acc_expand,uex1@a.test,E1,admin,,false
            unw1,acc_new,unw1@a.test,N1,admin,,false
            urt1,acc_react,urt1@a.test,R1,admin,,false
            ush1,acc_shrink,ush1@a.test,S1,admin,,false
            urd1,acc_round,urd1@a.test,O1,admin,,false
            uhd1,acc_hidden,uhd1@a.test,H1,admin,,false
            uot1,acc_other,uot1@b.test,X1,admin,,false

            """,
        "logins.csv": """
            ts,account_id,user_id
            2026-08-26T10:00:00Z,acc_shrink,ush1
            2026-08-27T10:00:00Z,acc_churn,uch1
            2026-10-01T10:00:00Z,acc_expand,uex1
            2026-10-05T10:00:00Z,acc_expand,uex1
            2026-11-20T10:00:00Z,acc_expand,uex1

            """,
        "mrr.csv": """
            date,account_id,mrr_cents
            2026-01-01,acc_churn,30000
            2026-10-12,acc_churn,0
            2026-01-01,acc_expand,10000
            2026-11-05,acc_expand,17000
            2026-11-23,acc_expand,0
            2026-10-20,acc_new,8000
            2026-01-01,acc_react,5000
            2026-06-01,acc_react,0
            2026-11-10,acc_react,7000
            2026-01-01,acc_shrink,20000
            2026-09-03,acc_shrink,18000
            2026-09-25,acc_shrink,12000
            2026-01-01,acc_round,10000
            2026-10-05,acc_round,0
            2026-10-15,acc_round,10000
            2026-01-01,acc_hidden,9999
            2026-10-10,acc_hidden,0
            2026-01-01,acc_other,4444
            2026-11-01,acc_other,0

            """,
    ]

    /// The fixture ingested into a fresh store (once per test process).
    static let store: Store = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-attribution-\(UUID().uuidString)")
        let data = directory.appendingPathComponent("data")
        try! FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for (name, text) in files { try! Data(text.utf8).write(to: data.appendingPathComponent(name)) }
        let path = directory.appendingPathComponent("attribution.db").path
        _ = try! Ingestor.ingest(directory: data.path, into: path)
        return try! Store.open(at: path)
    }()
}

@Suite struct RevenueAttributionTests {
    let context: ToolContext

    init() throws {
        context = try ToolContext(store: RevenueFixture.store, useMaterialized: false)
    }

    func call(_ arguments: [String: JSONValue], agency: String = "ag_1", scopes: Set<Scope>? = nil) throws -> JSONValue {
        var arguments = arguments
        arguments["as_of"] = .string(RevenueFixture.asOf.description)
        return try ReadTools.call("list_revenue_movements", agencyID: agency, arguments: .object(arguments), context: context, scopes: scopes)
    }

    func items(_ result: JSONValue) -> [JSONValue] {
        guard case let .array(items)? = result["items"] else { return [] }
        return items
    }

    /// `month account movement start→end change changed_on`, one line an item.
    func lines(_ result: JSONValue) -> [String] {
        items(result).map { item in
            ["month", "account_id", "movement"].map { item[$0]?.text() ?? "?" }.joined(separator: " ").replacingOccurrences(of: "\"", with: "")
                + " \(item["start_mrr_cents"]!.text())→\(item["end_mrr_cents"]!.text()) \(item["change_cents"]!.text())"
                + " " + (item["changed_on"].map { $0.text().replacingOccurrences(of: "\"", with: "") } ?? "?")
        }
    }

    func totals(_ result: JSONValue) -> [String: MoneyCount] {
        var out: [String: MoneyCount] = [:]
        for movement in MRRMovement.allCases {
            guard case let .int(cents)? = result["totals"]?[movement.rawValue]?["cents"],
                  case let .int(accounts)? = result["totals"]?[movement.rawValue]?["accounts"] else { continue }
            out[movement.rawValue] = MoneyCount(cents: Int64(cents), accounts: accounts)
        }
        return out
    }

    @Test func eachMovementWithItsAmountsDayAndOrder() throws {
        let result = try call([:])
        // Default 3 months: Sep, Oct, Nov 2026 (Nov ends at T = 11-20, so acc_expand's 0 of 11-23 is not a churn).
        // Newest month first; in Nov the two +7000 changes tie and go by account_id.
        #expect(lines(result) == [
            "2026-11 acc_expand expansion 10000→17000 7000 2026-11-05",
            "2026-11 acc_react reactivation 0→7000 7000 2026-11-10",      // a row of 5000 before the start day (01-01)
            "2026-10 acc_churn churn 30000→0 -30000 2026-10-12",
            "2026-10 acc_new new 0→8000 8000 2026-10-20",                  // no earlier row above 0
            "2026-09 acc_shrink contraction 20000→12000 -8000 2026-09-25",  // the latest row of the month, not 09-03's
        ])
        #expect(result["months"] == .int(3))
        #expect(items(result).first?["name"] == .string("Expander"))
        #expect(totals(result) == [
            "new": MoneyCount(cents: 8000, accounts: 1), "reactivation": MoneyCount(cents: 7000, accounts: 1),
            "expansion": MoneyCount(cents: 7000, accounts: 1), "contraction": MoneyCount(cents: 8000, accounts: 1),
            "churn": MoneyCount(cents: 30000, accounts: 1),
        ])
        #expect(result["total"] == .int(5))
    }

    @Test func twelveMonthsAndTheFilters() throws {
        let year = try call(["months": 12])
        // January: the five accounts with a 2026-01-01 row are new: 30000 + 20000 + 10000 + 10000 + 5000 = 75000.
        // June: acc_react churns 5000. acc_round (0 for ten days in October) and acc_hidden never show.
        #expect(lines(year).filter { !$0.hasPrefix("2026-09") && !$0.hasPrefix("2026-10") && !$0.hasPrefix("2026-11") } == [
            "2026-06 acc_react churn 5000→0 -5000 2026-06-01",
            "2026-01 acc_churn new 0→30000 30000 2026-01-01",
            "2026-01 acc_shrink new 0→20000 20000 2026-01-01",
            "2026-01 acc_expand new 0→10000 10000 2026-01-01",
            "2026-01 acc_round new 0→10000 10000 2026-01-01",
            "2026-01 acc_react new 0→5000 5000 2026-01-01",
        ])
        #expect(totals(year) == [
            "new": MoneyCount(cents: 83000, accounts: 6), "reactivation": MoneyCount(cents: 7000, accounts: 1),
            "expansion": MoneyCount(cents: 7000, accounts: 1), "contraction": MoneyCount(cents: 8000, accounts: 1),
            "churn": MoneyCount(cents: 35000, accounts: 2),
        ])

        // `movement` keeps the items; the totals still cover every movement of the months.
        let churn = try call(["months": 12, "movement": "churn"])
        #expect(lines(churn) == ["2026-10 acc_churn churn 30000→0 -30000 2026-10-12", "2026-06 acc_react churn 5000→0 -5000 2026-06-01"])
        #expect(totals(churn) == totals(year))

        // `account_id`: that account's movements, and its totals.
        let returner = try call(["months": 12, "account_id": "acc_react"])
        #expect(lines(returner) == [
            "2026-11 acc_react reactivation 0→7000 7000 2026-11-10",
            "2026-06 acc_react churn 5000→0 -5000 2026-06-01",
            "2026-01 acc_react new 0→5000 5000 2026-01-01",
        ])
        #expect(totals(returner) == [
            "new": MoneyCount(cents: 5000, accounts: 1), "reactivation": MoneyCount(cents: 7000, accounts: 1),
            "expansion": MoneyCount(), "contraction": MoneyCount(), "churn": MoneyCount(cents: 5000, accounts: 1),
        ])

        // Another agency's or an untracked account answers as an unknown one; the other agency sees only its own.
        for id in ["acc_other", "acc_hidden", "acc_nope"] {
            #expect(throws: ToolError.self) { try call(["account_id": .string(id)]) }
        }
        #expect(lines(try call([:], agency: "ag_2")) == ["2026-11 acc_other churn 4444→0 -4444 2026-11-01"])
    }

    @Test func beforeIsTheScoreThirtyDaysBeforeTheChange() throws {
        let result = try call(["months": 12])
        func item(_ account: String, _ month: String) -> JSONValue? {
            items(result).first { $0["account_id"] == .string(account) && $0["month"] == .string(month) }
        }
        // acc_churn changed on 10-12: scored as of 09-12. Its only login (key user uch1) was 08-27, 16 days
        // before; wau 0 of 5 seats. Health: activity 0, recency 1 − 16/30 = 14/30, breadth 0 (no feature
        // use at all), trend 0.5, payments 1, sentiment 0.5 →
        // 0.15·14/30 + 0.15·0.5 + 0.10·1 + 0.10·0.5 = 0.07 + 0.075 + 0.1 + 0.05 = 0.295 → 29.5, At Risk.
        let churner = try #require(item("acc_churn", "2026-10")?["before"])
        #expect(churner["as_of"] == .string("2026-09-12"))
        #expect(churner["health"] == .double(29.5))
        #expect(churner["band"] == .string("At Risk"))
        // Heaviest first in the prior: no_login_14d 0.8, champion_inactive 0.6, low_seat_use 0.3.
        #expect(churner["signals"] == .array(["no_login_14d", "champion_inactive", "low_seat_use"]))
        let agency = try #require(context.dataset.agencyKey("ag_1")), account = try #require(context.dataset.accountKey("acc_churn"))
        let risk = try #require(context.scored(agency: agency, asOf: AsOf("2026-09-12")!).risk(of: account))
        #expect(churner["churn_risk"] == .double(risk.churnRisk) && risk.churnRisk < 1)

        // acc_expand changed on 11-05: as of 10-06 its last login was the day before.
        let expander = try #require(item("acc_expand", "2026-11")?["before"])
        #expect(expander["as_of"] == .string("2026-10-06"))
        guard case let .array(signals)? = expander["signals"] else { Issue.record("no signals"); return }
        #expect(!signals.contains("no_login_14d"))

        // acc_react as of 10-11 still had MRR 0: churned, so churn risk 1.
        #expect(item("acc_react", "2026-11")?["before"]?["churn_risk"] == .double(1))

        // acc_shrink changed on 09-25: 08-26 is the first event day itself, so it is scored;
        // 30 days before the January rows (2025-12-02) and June's churn (05-02) are before the data: null.
        #expect(item("acc_shrink", "2026-09")?["before"]?["as_of"] == .string("2026-08-26"))
        #expect(item("acc_react", "2026-06")?["before"] == .null)
        #expect(items(result).filter { $0["month"] == .string("2026-01") }.allSatisfy { $0["before"] == .null })
    }

    @Test func beforeKeepsOnlyItsDayWithoutReadAccounts() throws {
        let revenueOnly = try call([:], scopes: [.readRevenue])
        let before = try #require(items(revenueOnly).first?["before"])
        #expect(before == .object(["as_of": .string("2026-10-06")]))
        #expect(items(revenueOnly).first?["change_cents"] == .int(7000) && revenueOnly["totals"] != nil)
        let all = try call([:], scopes: [.readAccounts, .readRevenue])
        #expect(items(all).first?["before"]?["health"] != nil)
    }

    @Test func pagesWalkTheList() throws {
        let first = try call(["limit": 2])
        #expect(items(first).count == 2 && first["has_more"] == .bool(true) && first["total"] == .int(5))
        guard case let .string(cursor)? = first["next_cursor"] else { Issue.record("no cursor"); return }
        let second = try call(["limit": 2, "cursor": .string(cursor)])
        #expect(lines(second) == ["2026-10 acc_churn churn 30000→0 -30000 2026-10-12", "2026-10 acc_new new 0→8000 8000 2026-10-20"])
        #expect(totals(second) == totals(first))
    }
}

/// Per month, the attributed movements add up to ``Analytics/monthlyMovements(agency:months:)``.
@Suite struct RevenueAttributionAgreementTests {
    static func expectAgreement(_ analytics: Analytics, agency: Int) {
        let months = analytics.monthlyMovements(agency: agency)
        let attributed = analytics.accountMovements(agency: agency)
        #expect(Set(attributed.map(\.month)).isSubset(of: months.map(\.month)))
        var movers = 0
        for month in months {
            var sums = month
            for movement in MRRMovement.allCases { sums[movement] = MoneyCount() }
            for movement in attributed where movement.month == month.month {
                sums[movement.movement].cents += abs(movement.changeCents)
                sums[movement.movement].accounts += 1
                movers += 1
            }
            #expect(sums == month, "\(month.month)")
        }
        #expect(movers == attributed.count)
        // Start and end are MRR(a, d) at the month's edges, and changed_on a day of the month.
        for (movement, window) in attributed.compactMap({ m in analytics.movementMonths(12).first { $0.month == m.month }.map { (m, $0) } }) {
            #expect(movement.startMRRCents == analytics.mrr(of: movement.account, on: window.startDay))
            #expect(movement.endMRRCents == analytics.mrr(of: movement.account, on: window.endDay))
            #expect(movement.changedOn > window.startDay && movement.changedOn <= window.endDay)
            #expect(analytics.mrr(of: movement.account, on: movement.changedOn) == movement.endMRRCents)
        }
    }

    @Test func onTheRevenueFixture() throws {
        let analytics = try Analytics(dataset: RevenueFixture.store.loadDataset(), asOf: RevenueFixture.asOf)
        for agency in ["ag_1", "ag_2"] { Self.expectAgreement(analytics, agency: try analytics.agency(agency)) }
    }

    @Test func onTheMetricFixture() throws {
        let analytics = try AgencyFixture.analytics()
        Self.expectAgreement(analytics, agency: try analytics.agency("ag_1"))
    }

    @Test func onAGeneratedStore() throws {
        let dataset = try Store.open(at: GeneratedStore.path, readOnly: true).loadDataset()
        let analytics = try Analytics(dataset: dataset)
        var moved = 0
        for agency in dataset.agencies.indices {
            Self.expectAgreement(analytics, agency: agency)
            moved += analytics.accountMovements(agency: agency).count
        }
        #expect(moved > 0)
    }
}
