import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsStore

/// A tiny agency written for hand-checked metric tests. T = 2026-11-20.
///
/// Tracked accounts (ag_1): acc_a (active, expanding, a recovered failed
/// payment, a detractor, renewing in 10 days), acc_b (no events at all,
/// churned in May and reactivated in September), acc_d (usage dropping,
/// last login 15 days ago, a failed payment recovered only after T), acc_e
/// (new in August, two MRR rows on one date). acc_c is untracked and must
/// never count. ag_2 has one account with its own feature "video".
/// Events on T+1 must be ignored everywhere.
enum AgencyFixture {
    static let asOfDay = CivilTime.parseDate("2026-11-20")!
    static var asOf: AsOf { AsOf(day: asOfDay) }

    /// `T + offset` as `YYYY-MM-DD`.
    static func date(_ offset: Int) -> String { CivilTime.formatDate(days: asOfDay + offset) }
    /// `T + offset` at `hour`:00Z.
    static func ts(_ offset: Int, _ hour: Int = 10) -> String {
        date(offset) + "T" + (hour < 10 ? "0" : "") + "\(hour):00:00Z"
    }

    static var files: [String: String] {
        var logins = ["ts,account_id,user_id"]
        func login(_ offset: Int, _ account: String, _ user: String) { logins.append("\(ts(offset)),\(account),\(user)") }
        login(0, "acc_a", "ua1"); login(-3, "acc_a", "ua1"); login(-6, "acc_a", "ua2"); login(-20, "acc_a", "ua3")
        login(1, "acc_a", "ua4")  // after T: ua4 still "never"
        login(-15, "acc_d", "ud2")
        login(-1, "acc_c", "uc1")
        login(-2, "acc_f", "uf1")

        var usage = ["ts,account_id,user_id,feature,count"]
        func use(_ offset: Int, _ account: String, _ user: String, _ feature: String, _ count: Int) {
            usage.append("\(ts(offset)),\(account),\(user),\(feature),\(count)")
        }
        use(-2, "acc_a", "ua1", "email", 5); use(-10, "acc_a", "ua1", "email", 5); use(-20, "acc_a", "ua2", "email", 4)
        use(-1, "acc_a", "ua2", "sms", 2); use(-40, "acc_a", "ua1", "reports", 3)
        use(1, "acc_a", "ua1", "email", 100)  // after T
        use(-10, "acc_d", "ud2", "email", 20); use(-1, "acc_d", "ud2", "email", 10)
        use(-1, "acc_c", "uc1", "chat", 7)  // untracked
        use(-1, "acc_f", "uf1", "video", 1)  // another agency

        return [
            "agencies.csv": "agency_id,name\nag_1,First Agency\nag_2,Second Agency\n",
            "accounts.csv": """
                account_id,agency_id,name,plan,seats,created_at,renewal_date,owner_email,tracked,priority
                acc_a,ag_1,Alpha,pro,10,2025-06-01T00:00:00Z,\(date(10)),o@a.test,true,high
                acc_b,ag_1,Bravo,starter,2,2025-06-01T00:00:00Z,,o@a.test,true,normal
                acc_c,ag_1,Charlie,starter,3,2025-06-01T00:00:00Z,\(date(5)),o@a.test,false,normal
                acc_d,ag_1,Delta,agency,5,2025-06-01T00:00:00Z,\(date(31)),o@a.test,true,normal
                acc_e,ag_1,Echo,starter,,2026-08-01T00:00:00Z,,o@a.test,true,low
                acc_f,ag_2,Foxtrot,pro,4,2025-06-01T00:00:00Z,,o@b.test,true,normal

                """,
            "users.csv": """
                user_id,account_id,email,name,role,created_at,key_user
                ua1,acc_a,ua1@a.test,A1,admin,,true
                ua2,acc_a,ua2@a.test,A2,user,,false
                ua3,acc_a,ua3@a.test,A3,user,,false
                ua4,acc_a,ua4@a.test,A4,user,,false
                ub1,acc_b,ub1@a.test,B1,admin,,true
                ub2,acc_b,ub2@a.test,B2,user,,false
                uc1,acc_c,uc1@a.test,C1,user,,false
                ud1,acc_d,ud1@a.test,D1,admin,,true
                ud2,acc_d,ud2@a.test,D2,user,,false
                ue1,acc_e,ue1@a.test,E1,user,,false
                uf1,acc_f,uf1@b.test,F1,user,,true

                """,
            "logins.csv": logins.joined(separator: "\n") + "\n",
            "feature_usage.csv": usage.joined(separator: "\n") + "\n",
            "mrr.csv": """
                date,account_id,mrr_cents
                2026-01-01,acc_a,10000
                \(date(-40)),acc_a,12000
                2026-01-01,acc_b,5000
                2026-05-10,acc_b,0
                2026-09-15,acc_b,6000
                2026-03-01,acc_c,7777
                2026-01-01,acc_d,20000
                \(date(-15)),acc_d,15000
                2026-08-03,acc_e,3000
                2026-08-03,acc_e,4000
                2026-01-01,acc_f,9000
                \(date(5)),acc_a,0

                """,
            "payments.csv": """
                ts,account_id,invoice_id,amount_cents,status
                \(ts(-50)),acc_a,inv_0,12000,failed
                \(ts(-5)),acc_a,inv_1,12000,failed
                \(ts(-3)),acc_a,inv_1,12000,succeeded
                \(ts(-4)),acc_a,inv_2,12000,refunded
                \(ts(-2)),acc_d,inv_9,15000,failed
                \(ts(2)),acc_d,inv_9,15000,succeeded
                \(ts(-2)),acc_c,inv_7,7777,failed

                """,
            "feedback.csv": """
                ts,account_id,user_id,score,comment
                \(ts(-200)),acc_a,ua1,2,old
                \(ts(-10)),acc_a,ua1,9,fine
                \(ts(-10)),acc_a,ua2,6,meh
                \(ts(3)),acc_d,ud1,0,after T

                """,
            "workflows.csv": "workflow_id,agency_id,name\nwf_1,ag_1,Win-back\n",
        ]
    }

    /// The fixture ingested into a fresh store and loaded.
    static func load() throws -> Dataset {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-analytics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: data.appendingPathComponent(name))
        }
        let store = directory.appendingPathComponent("fixture.db").path
        _ = try Ingestor.ingest(directory: data.path, into: store)
        return try Store.open(at: store, readOnly: true).loadDataset()
    }

    static func analytics(asOf: AsOf? = AgencyFixture.asOf) throws -> Analytics {
        try Analytics(dataset: load(), asOf: asOf)
    }
}
