import DataGenKit
import Foundation
import Testing

@Suite("Entities, revenue and labels")
struct EntityTests {
    @Test("labels.csv lists exactly the tracked accounts with MRR(T) > 0, some true, some false")
    func labelsMatchTrackedPayingAccounts() throws {
        try Fixtures.withDataset(Fixtures.smallConfig()) { dataset in
            let asOf = Fixtures.day(Fixtures.asOf)
            var mrrAtT: [String: Int] = [:]
            for row in try dataset.table("mrr.csv").records where Fixtures.day(row["date"]!) <= asOf {
                // Rows are in date order per account; of two on one date the later wins.
                let account = row["account_id"]!
                mrrAtT[account] = Int(row["mrr_cents"]!)!
            }
            let accounts = try dataset.table("accounts.csv").records
            let expected = accounts
                .filter { $0["tracked"] == "true" && (mrrAtT[$0["account_id"]!] ?? 0) > 0 }
                .map { $0["account_id"]! }
            let labels = try dataset.table("labels.csv")
            #expect(labels.header == ["account_id", "churns_within_90d"])
            #expect(labels.column("account_id") == expected)
            let values = labels.column("churns_within_90d")
            #expect(Set(values) == ["true", "false"])
            #expect(values.filter { $0 == "true" }.count < values.count / 4)
            #expect(accounts.contains { $0["tracked"] == "false" }, "no untracked account")
            #expect(mrrAtT.values.contains(0), "no historical churner")
        }
    }

    @Test("accounts: quoted names, plans, empty seats and renewals, key users")
    func accountsAndUsers() throws {
        try Fixtures.withDataset(Fixtures.smallConfig(accountsPerAgency: 50)) { dataset in
            let accountsTable = try dataset.table("accounts.csv")
            #expect(accountsTable.header == [
                "account_id", "agency_id", "name", "plan", "seats", "created_at", "renewal_date",
                "owner_email", "tracked", "priority",
            ])
            #expect(accountsTable.sawQuotedField)
            let raw = String(decoding: try dataset.bytes("accounts.csv"), as: UTF8.self)
            let names = accountsTable.column("name")
            #expect(names.contains { $0.contains(",") && raw.contains("\"\($0)\"") }, "no quoted name with a comma")
            #expect(Set(accountsTable.column("plan")).isSubset(of: ["starter", "pro", "agency"]))
            #expect(Set(accountsTable.column("priority")).isSubset(of: ["low", "normal", "high"]))
            #expect(accountsTable.column("account_id").first == "acc_00001")
            #expect(accountsTable.column("renewal_date").contains(""))
            let asOf = Fixtures.day(Fixtures.asOf)
            let renewals = accountsTable.column("renewal_date").filter { !$0.isEmpty }.map { Fixtures.day($0) }
            #expect(renewals.allSatisfy { $0 >= asOf && $0 <= asOf + 366 })
            #expect(renewals.contains { $0 <= asOf + 30 }, "no renewal in [T, T+30]")

            let agencies = Set(try dataset.table("agencies.csv").column("agency_id"))
            #expect(agencies == ["ag_001", "ag_002"])
            #expect(Set(accountsTable.column("agency_id")) == agencies)

            let users = try dataset.table("users.csv").records
            let keyUsers = users.filter { $0["key_user"] == "true" }
            #expect(!keyUsers.isEmpty)
            let keysPerAccount = Dictionary(grouping: keyUsers) { $0["account_id"]! }.mapValues(\.count)
            #expect(keysPerAccount.values.allSatisfy { (1...2).contains($0) })
            #expect(keysPerAccount.count < names.count, "every account has key users")
            #expect(Set(users.map { $0["role"]! }) == ["admin", "user"])

            let workflows = try dataset.table("workflows.csv")
            #expect(workflows.header == ["workflow_id", "agency_id", "name", "webhook_url"])
            #expect(Set(workflows.column("agency_id")) == agencies)
        }
    }

    @Test("payments: monthly invoices, a failed one recovered later under the same invoice id")
    func paymentsRecoverFailures() throws {
        try Fixtures.withDataset(Fixtures.smallConfig()) { dataset in
            let payments = try dataset.table("payments.csv").records
            let asOf = Fixtures.day(Fixtures.asOf)
            #expect(payments.allSatisfy { Fixtures.day($0["ts"]!) <= asOf })
            #expect(Set(payments.map { $0["status"]! }).isSuperset(of: ["succeeded", "failed"]))
            let failed = payments.filter { $0["status"] == "failed" }
            let recovered = failed.filter { failure in
                payments.contains {
                    $0["status"] == "succeeded" && $0["invoice_id"] == failure["invoice_id"]
                        && $0["account_id"] == failure["account_id"] && $0["ts"]! > failure["ts"]!
                }
            }
            #expect(!recovered.isEmpty)
            #expect(recovered.count < failed.count, "every failure was recovered")
            let share = Double(failed.count) / Double(payments.count)
            #expect(share > 0.01 && share < 0.12)
        }
    }

    @Test("feedback: NPS 0–10 from the account's own users, commas and quotes quoted")
    func feedback() throws {
        try Fixtures.withDataset(Fixtures.smallConfig(accountsPerAgency: 50)) { dataset in
            var userAccount: [String: String] = [:]
            for user in try dataset.table("users.csv").records { userAccount[user["user_id"]!] = user["account_id"]! }
            let table = try dataset.table("feedback.csv")
            #expect(table.header == ["ts", "account_id", "user_id", "score", "comment"])
            #expect(table.rows.count > 50)
            for row in table.records {
                #expect((0...10).contains(Int(row["score"]!)!))
                #expect(userAccount[row["user_id"]!] == row["account_id"])
            }
            #expect(table.column("comment").contains { $0.contains(",") || $0.contains("\"") })
        }
    }
}
