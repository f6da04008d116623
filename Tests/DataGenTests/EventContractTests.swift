import DataGenKit
import Foundation
import Testing

@Suite("Event files")
struct EventContractTests {
    @Test("logins + feature_usage rows equal --events, about 30 % logins", arguments: [0, 1, 7, 50_000])
    func exactEventCount(events: Int) throws {
        let config = Fixtures.smallConfig(events: events)
        try Fixtures.withDataset(config) { dataset in
            let logins = try dataset.table("logins.csv")
            let usage = try dataset.table("feature_usage.csv")
            #expect(logins.header == ["ts", "account_id", "user_id"])
            #expect(usage.header == ["ts", "account_id", "user_id", "feature", "count"])
            #expect(logins.rows.count + usage.rows.count == events)
            if events >= 1000 {
                let share = Double(logins.rows.count) / Double(events)
                #expect(abs(share - 0.3) < 0.001)
            }
        }
    }

    @Test("events lie in the window, inside each account's life, by its own users")
    func eventsRespectTheContract() throws {
        let config = Fixtures.smallConfig()
        try Fixtures.withDataset(config) { dataset in
            let asOf = Fixtures.day(Fixtures.asOf)
            let windowStart = asOf - config.days + 1
            var accountCreated: [String: Int] = [:]
            for account in try dataset.table("accounts.csv").records {
                accountCreated[account["account_id"]!] = Fixtures.day(account["created_at"]!)
            }
            var userAccount: [String: String] = [:]
            for user in try dataset.table("users.csv").records {
                #expect(accountCreated[user["account_id"]!] != nil, "user \(user["user_id"]!) of an unknown account")
                userAccount[user["user_id"]!] = user["account_id"]!
            }
            // A churned account's last 0 row (no later positive row) ends its life.
            var churnDay: [String: Int] = [:]
            for row in try dataset.table("mrr.csv").records {
                let account = row["account_id"]!
                churnDay[account] = row["mrr_cents"] == "0" ? Fixtures.day(row["date"]!) : nil
            }

            let shape = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/
            for name in ["logins.csv", "feature_usage.csv"] {
                let table = try dataset.table(name)
                #expect(!table.rows.isEmpty)
                for row in table.rows {
                    let (ts, account, user) = (row[0], row[1], row[2])
                    #expect(ts.wholeMatch(of: shape) != nil, "\(name): timestamp \(ts)")
                    let day = Fixtures.day(ts)
                    #expect(day >= windowStart && day <= asOf, "\(name): \(ts) outside the window")
                    #expect(userAccount[user] == account, "\(name): \(user) acts on \(account)")
                    if let created = accountCreated[account] {
                        #expect(day >= created, "\(name): \(account) active before it was created")
                    } else {
                        Issue.record("\(name): unknown account \(account)")
                    }
                    if let churned = churnDay[account] {
                        #expect(day < churned, "\(name): \(account) active after churning")
                    }
                }
            }
            let counts = try dataset.table("feature_usage.csv").column("count").map { Int($0)! }
            #expect(counts.allSatisfy { $0 >= 1 })
            #expect(Set(try dataset.table("feature_usage.csv").column("feature")).count >= 20)
        }
    }

    @Test("weekends carry about 40 % of a weekday's volume")
    func weekdaySeasonality() throws {
        try Fixtures.withDataset(Fixtures.smallConfig()) { dataset in
            var perWeekday = Array(repeating: 0, count: 7)
            for ts in try dataset.table("logins.csv").column("ts") {
                perWeekday[((Fixtures.day(ts) + 3) % 7 + 7) % 7] += 1  // 0 = Monday
            }
            let weekday = Double(perWeekday[0..<5].reduce(0, +)) / 5
            let weekend = Double(perWeekday[5..<7].reduce(0, +)) / 2
            #expect(weekend / weekday > 0.25 && weekend / weekday < 0.6)
        }
    }
}
