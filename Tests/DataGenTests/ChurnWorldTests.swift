import DataGenKit
import Foundation
import Testing

@Suite("Churn worlds and truth.csv")
struct ChurnWorldTests {
    /// `Fixtures.smallConfig` in the world `preset`.
    static func config(
        _ preset: String, accountsPerAgency: Int = 150, events: Int = 300_000
    ) -> DataGenConfig {
        var config = Fixtures.smallConfig(accountsPerAgency: accountsPerAgency, events: events)
        config.world = ChurnWorld.preset(preset)!
        return config
    }

    /// The values of `ratios` for the truth rows whose story is `story`.
    static func ratios(_ ratios: [String: Double], story: String, in truth: [[String: String]]) -> [Double] {
        truth.filter { $0["story"] == story }.compactMap { ratios[$0["account_id"]!] }
    }

    static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(max(1, values.count))
    }

    @Test("lagged: future churners' declines end on their churn day, so at T some have not begun")
    func laggedDeclines() throws {
        func warned(_ preset: String) throws -> [[String: String]] {
            try Fixtures.withDataset(Self.config(preset, accountsPerAgency: 200)) { dataset in
                try dataset.table("truth.csv").records.filter { $0["story"] == "warned" }
            }
        }
        let lagged = try warned("lagged"), atT = try warned("mixed")
        #expect(lagged.count >= 10 && lagged.count == atT.count)
        // Churning more than 60 days after T: the decline has not started yet.
        #expect(lagged.contains { $0["declining"] == "false" && $0["activity_at_t"] == "1.0000" })
        #expect(lagged.contains { $0["declining"] == "true" })
        #expect(atT.allSatisfy { $0["declining"] == "true" })
        let level = { (rows: [[String: String]]) in Self.mean(rows.map { Double($0["activity_at_t"]!)! }) }
        #expect(level(lagged) > level(atT) + 0.2, "lagged \(level(lagged)), at T \(level(atT))")
    }

    @Test("the default world's truth.csv has labels.csv's rows, one for one, and agrees with them")
    func truthMatchesLabels() throws {
        let (labels, truth, accounts) = try Fixtures.withDataset(Fixtures.smallConfig(accountsPerAgency: 60)) {
            dataset in
            (try dataset.table("labels.csv"), try dataset.table("truth.csv"), try dataset.table("accounts.csv"))
        }
        #expect(truth.header == [
            "account_id", "churns_within_90d", "story", "activity_at_t", "declining", "key_users_silent",
            "renewal_within_90d",
        ])
        #expect(truth.column("account_id") == labels.column("account_id"))
        #expect(truth.column("churns_within_90d") == labels.column("churns_within_90d"))
        let stories = Set(truth.column("story"))
        #expect(stories.isSubset(of: ["retained", "warned", "silent", "dip"]))
        #expect(stories.isSuperset(of: ["retained", "warned"]))

        let asOf = Fixtures.day(Fixtures.asOf)
        var renewal: [String: String] = [:]
        for account in accounts.records { renewal[account["account_id"]!] = account["renewal_date"]! }
        for row in truth.records {
            let text = row["activity_at_t"]!
            let activity = Double(text)!
            #expect(text.split(separator: ".").last!.count == 4)
            let churns = row["churns_within_90d"] == "true"
            let declining = row["declining"] == "true"
            switch row["story"]! {
            case "warned": #expect(churns && declining && activity < 1)
            case "silent": #expect(churns && !declining && activity == 1)
            case "dip": #expect(!churns && !declining && activity < 1)
            default: #expect(!churns && !declining && activity == 1 && row["key_users_silent"] == "false")
            }
            let date = renewal[row["account_id"]!]!
            let within = !date.isEmpty && (asOf...(asOf + 90)).contains(Fixtures.day(date))
            #expect(row["renewal_within_90d"] == (within ? "true" : "false"))
        }
    }

    @Test("--churn-rate 0.25 labels clearly more churners than 0.03 on the same size")
    func churnRate() throws {
        func churners(_ preset: String) throws -> Int {
            try Fixtures.withDataset(Self.config(preset, events: 20_000)) { dataset in
                try dataset.table("labels.csv").column("churns_within_90d").filter { $0 == "true" }.count
            }
        }
        let rare = try churners("rare")
        let common = try churners("common")
        #expect(rare >= 1)
        #expect(common > 4 * rare, "common \(common), rare \(rare)")
    }

    @Test("sudden churners go quiet in the last 3 days before T; fade churners keep over a quarter of their level")
    func suddenAndFade() throws {
        let sudden = try Fixtures.withDataset(Self.config("sudden")) { dataset in
            Self.ratios(try ChurnSignalTests.recentOverOwnLevel(dataset, recentDays: 3), story: "warned",
                        in: try dataset.table("truth.csv").records)
        }
        let fade = try Fixtures.withDataset(Self.config("fade")) { dataset in
            Self.ratios(try ChurnSignalTests.recentOverOwnLevel(dataset, recentDays: 3), story: "warned",
                        in: try dataset.table("truth.csv").records)
        }
        #expect(sudden.count >= 10 && fade.count >= 10)
        #expect(Self.mean(sudden) < 0.15, "sudden \(sudden)")
        #expect(Self.mean(fade) > 0.25, "fade \(fade)")
        #expect(Self.mean(fade) > 3 * Self.mean(sudden))
    }

    @Test("silent churners keep their own level to the end")
    func silentWorld() throws {
        try Fixtures.withDataset(Self.config("silent")) { dataset in
            let truth = try dataset.table("truth.csv").records
            let ratios = try ChurnSignalTests.recentOverOwnLevel(dataset)
            let silent = Self.ratios(ratios, story: "silent", in: truth)
            let warned = Self.ratios(ratios, story: "warned", in: truth)
            #expect(silent.count >= 10)
            #expect(silent.count > warned.count, "60 % of churners are silent")
            #expect(Self.mean(silent) >= 0.7, "silent \(silent)")
        }
    }

    @Test("false alarms decline like churners and are labelled false")
    func falseAlarms() throws {
        try Fixtures.withDataset(Self.config("false-alarms")) { dataset in
            let truth = try dataset.table("truth.csv").records
            let ratios = try ChurnSignalTests.recentOverOwnLevel(dataset)
            let alarms = Self.ratios(ratios, story: "false_alarm", in: truth)
            let retained = Self.ratios(ratios, story: "retained", in: truth)
            #expect(alarms.count >= 10)
            #expect(truth.filter { $0["story"] == "false_alarm" }.allSatisfy {
                $0["churns_within_90d"] == "false" && $0["declining"] == "true"
            })
            #expect(Self.mean(alarms) < 0.6 * Self.mean(retained), "alarms \(alarms)")
            #expect(Self.mean(alarms) < 0.6)
        }
    }

    @Test("--accounts-per-agency-max gives agencies of different sizes within the bounds")
    func agencySizes() throws {
        var config = Fixtures.smallConfig(events: 10_000)
        config.agencies = 5
        config.accountsPerAgency = 10
        config.accountsPerAgencyMax = 40
        try Fixtures.withDataset(config) { dataset in
            let sizes = Dictionary(grouping: try dataset.table("accounts.csv").column("agency_id")) { $0 }
                .mapValues(\.count)
            #expect(sizes.count == 5)
            #expect(sizes.values.allSatisfy { (10...40).contains($0) }, "\(sizes)")
            #expect(Set(sizes.values).count > 1, "\(sizes)")
            #expect(try dataset.table("truth.csv").column("account_id")
                == (try dataset.table("labels.csv").column("account_id")))
        }
        config.accountsPerAgencyMax = 9
        #expect(throws: DataGenError.self) { try config.validate() }
    }

    @Test("seasonal: retained accounts share a dip ongoing at T, in the events and in truth.csv")
    func seasonalDip() throws {
        try Fixtures.withDataset(Self.config("seasonal")) { dataset in
            let truth = try dataset.table("truth.csv").records
            let retained = truth.filter { $0["churns_within_90d"] == "false" }
            #expect(retained.allSatisfy { Double($0["activity_at_t"]!)! < 1 })
            let ratios = Self.ratios(try ChurnSignalTests.recentOverOwnLevel(dataset), story: "retained", in: truth)
            #expect(ratios.count >= 100)
            let below = ratios.filter { $0 < 1 }.count
            #expect(Double(below) > 0.75 * Double(ratios.count), "\(below) of \(ratios.count) below")
        }
    }

    @Test("world knobs are validated with their option names; presets resolve by name")
    func worldValidation() {
        for (option, world) in [
            ("--churn-rate", ChurnWorld(churnRate: 1.5)),
            ("--silent-share", ChurnWorld(silentShare: -0.1)),
            ("--false-alarms", ChurnWorld(falseAlarms: .nan)),
        ] {
            var config = DataGenConfig()
            config.world = world
            #expect {
                try config.validate()
            } throws: { error in
                guard case let .invalidArgument(name, _) = error as? DataGenError else { return false }
                return name == option
            }
        }
        #expect(ChurnWorld.presetNames.allSatisfy { ChurnWorld.preset($0) != nil })
        #expect(ChurnWorld.preset("default") == ChurnWorld())
        #expect(ChurnWorld.preset("nope") == nil)
    }
}
