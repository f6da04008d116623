import DataGenKit
import Foundation
import Testing

@Suite("Planted churn")
struct ChurnSignalTests {
    /// Events of each account in the last `recentDays` days (14) per day,
    /// over its own level in days [T−99, T−60] per day, for accounts created
    /// before T−100.
    static func recentOverOwnLevel(_ dataset: Dataset, recentDays: Int = 14) throws -> [String: Double] {
        let asOf = Fixtures.day(Fixtures.asOf)
        var recent: [String: Int] = [:]
        var earlier: [String: Int] = [:]
        for name in ["logins.csv", "feature_usage.csv"] {
            for row in try dataset.table(name).rows {
                let age = asOf - Fixtures.day(row[0])
                if age < recentDays { recent[row[1], default: 0] += 1 }
                if (60...99).contains(age) { earlier[row[1], default: 0] += 1 }
            }
        }
        var ratios: [String: Double] = [:]
        for account in try dataset.table("accounts.csv").records
        where Fixtures.day(account["created_at"]!) < asOf - 100 {
            let id = account["account_id"]!
            let level = Double(earlier[id] ?? 0) / 40
            guard level > 0 else { continue }
            ratios[id] = Double(recent[id] ?? 0) / Double(recentDays) / level
        }
        return ratios
    }

    @Test("future churners' last 14 days fall clearly below their own earlier level; others' do not")
    func futureChurnersDecline() throws {
        let config = Fixtures.smallConfig(accountsPerAgency: 60, events: 120_000)
        try Fixtures.withDataset(config) { dataset in
            let ratios = try Self.recentOverOwnLevel(dataset)
            var churners: [Double] = []
            var others: [Double] = []
            for label in try dataset.table("labels.csv").records {
                guard let ratio = ratios[label["account_id"]!] else { continue }
                if label["churns_within_90d"] == "true" { churners.append(ratio) } else { others.append(ratio) }
            }
            #expect(churners.count >= 5)
            let churnerMean = churners.reduce(0, +) / Double(churners.count)
            let otherMean = others.reduce(0, +) / Double(others.count)
            #expect(churnerMean < 0.7 * otherMean, "churners \(churnerMean) vs others \(otherMean)")
            #expect(otherMean > 0.8)
            // Not every churner warns: some keep their level to the end.
            #expect(churners.contains { $0 > 0.7 } || churners.count < 8)
        }
    }

    @Test("future churners' MRR stays positive through T; historical churners go to 0 in the window")
    func churnInRevenue() throws {
        try Fixtures.withDataset(Fixtures.smallConfig(accountsPerAgency: 60)) { dataset in
            let asOf = Fixtures.day(Fixtures.asOf)
            let churners = Set(try dataset.table("labels.csv").records
                .filter { $0["churns_within_90d"] == "true" }.map { $0["account_id"]! })
            var zeroDays: [Int] = []
            for row in try dataset.table("mrr.csv").records where row["mrr_cents"] == "0" {
                #expect(!churners.contains(row["account_id"]!))
                zeroDays.append(Fixtures.day(row["date"]!))
            }
            #expect(zeroDays.contains { $0 > asOf - 150 && $0 < asOf }, "no churn inside the window")
        }
    }
}
