import Foundation
import VitalsColumnar
import VitalsStore

/// A small agency whose two scored days (D = T − 7 = 2026-11-13 and
/// T = 2026-11-20) are computed by hand below, for the triage features of
/// issue 12: churned apart, health change, sort/filter/compare, freshness.
///
/// No NPS (sentiment 0.5), no payments (payments 1), no seats (no
/// low_seat_use). The only feature is "email": used by acc_drop on 11-11
/// (12 uses) and by acc_rise on 11-19 (5 uses), so breadth's denominator is
/// 0 on days before 11-11 and 1 from then on.
///
/// | account | MRR | health on D | health on T |
/// |---|---|---|---|
/// | acc_drop (o1, pro, high) | 50000 | 94.5 Healthy: activity 1, recency 29/30, breadth 1, trend 1 | 61.0 Watch: activity 0, recency 22/30 |
/// | acc_rise | 20000 | 22.5 At Risk: never logged in, breadth 0/0, trend 0.5 | 94.5 Healthy: activity 1, recency 29/30, breadth 1, trend 1 |
/// | acc_chr (churned 11-15) | 30000 → 0 | 22.5 At Risk (paying) | 22.5 At Risk, churned |
/// | acc_react (0 in June, back in Sept.) | 20000 | 66.0 Watch: activity 1, recency 0.9 | 67.5 Watch: activity 1, recency 1 |
/// | acc_renew "Charlotte Orthodontics, LLC" (agency plan, renews T+15) | 80000 | 22.5 At Risk | 51.5 Watch: activity 1/2, recency 28/30 |
///
/// So on T the at-risk list (paying, Watch or At Risk) is acc_drop, acc_react
/// and acc_renew; on D it was acc_rise, acc_chr, acc_react and acc_renew.
/// Compared with D: acc_drop entered, acc_react and acc_renew are still
/// there, acc_rise left recovered, acc_chr left churned.
/// The first event day is 11-10 (acc_react's login), the last is T.
enum TriageFixture {
    static let t = CivilTime.parseDate("2026-11-20")!
    static func date(_ offset: Int) -> String { CivilTime.formatDate(days: t + offset) }
    static func ts(_ offset: Int) -> String { date(offset) + "T10:00:00Z" }

    static var files: [String: String] {
        [
            "agencies.csv": "agency_id,name\nag_1,First Agency\n",
            "accounts.csv": """
                account_id,agency_id,name,plan,seats,created_at,renewal_date,owner_email,tracked,priority
                acc_drop,ag_1,Drop Dental,pro,,2025-06-01T00:00:00Z,,o1@x.test,true,high
                acc_rise,ag_1,Rise Roofing,starter,,2025-06-01T00:00:00Z,,o2@x.test,true,normal
                acc_chr,ag_1,Churn Cafe,starter,,2025-06-01T00:00:00Z,\(date(5)),o2@x.test,true,normal
                acc_react,ag_1,Back Again Bakery,starter,,2025-06-01T00:00:00Z,,o2@x.test,true,normal
                acc_renew,ag_1,"Charlotte Orthodontics, LLC",agency,,2025-06-01T00:00:00Z,\(date(15)),o2@x.test,true,normal

                """,
            "users.csv": """
                user_id,account_id,email,name,role,created_at,key_user
                ud1,acc_drop,ud1@x.test,D1,admin,,true
                ud2,acc_drop,ud2@x.test,D2,user,,false
                ur1,acc_rise,ur1@x.test,R1,admin,,false
                uc1,acc_chr,uc1@x.test,C1,admin,,false
                ux1,acc_react,ux1@x.test,X1,admin,,false
                un1,acc_renew,un1@x.test,N1,admin,,true
                un2,acc_renew,un2@x.test,N2,user,,true

                """,
            "logins.csv": """
                ts,account_id,user_id
                \(ts(-8)),acc_drop,ud1
                \(ts(-8)),acc_drop,ud2
                \(ts(-1)),acc_rise,ur1
                \(ts(-10)),acc_react,ux1
                \(ts(0)),acc_react,ux1
                \(ts(-2)),acc_renew,un1

                """,
            "feature_usage.csv": """
                ts,account_id,user_id,feature,count
                \(ts(-9)),acc_drop,ud1,email,12
                \(ts(-1)),acc_rise,ur1,email,5

                """,
            "mrr.csv": """
                date,account_id,mrr_cents
                2026-01-01,acc_drop,50000
                2026-01-01,acc_rise,20000
                2026-01-01,acc_chr,30000
                2026-11-15,acc_chr,0
                2026-01-01,acc_react,10000
                2026-06-01,acc_react,0
                2026-09-01,acc_react,20000
                2026-01-01,acc_renew,80000

                """,
            "workflows.csv": "workflow_id,agency_id,name\nwf_1,ag_1,Win-back\n",
        ]
    }

    /// The fixture, with `extra` files added (or replacing its own),
    /// ingested into a fresh store; returns its path.
    static func store(adding extra: [String: String] = [:]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-triage-\(UUID().uuidString)")
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for (name, text) in files.merging(extra, uniquingKeysWith: { _, added in added }) { try Data(text.utf8).write(to: data.appendingPathComponent(name)) }
        let path = directory.appendingPathComponent("triage.db").path
        _ = try Ingestor.ingest(directory: data.path, into: path)
        return path
    }
}
