import Foundation
import Testing
@testable import DataGenKit

@Suite("Configuration and helpers")
struct ConfigTests {
    @Test("defaults are the demo dataset")
    func defaults() {
        let config = DataGenConfig()
        #expect(config.agencies == 3 && config.accountsPerAgency == 200 && config.usersPerAccount == 12)
        #expect(config.days == 180 && config.events == 2_000_000 && config.seed == 7)
        #expect(config.asOfDay == CivilDay.parse("2026-11-20"))
        #expect(config.outputDirectory == "data/demo")
    }

    @Test("bad values are rejected with the option's name", arguments: [
        "--agencies", "--accounts-per-agency", "--users-per-account", "--days", "--events", "--as-of",
    ])
    func validation(option: String) {
        var config = DataGenConfig()
        switch option {
        case "--agencies": config.agencies = 0
        case "--accounts-per-agency": config.accountsPerAgency = 0
        case "--users-per-account": config.usersPerAccount = 0
        case "--days": config.days = 0
        case "--events": config.events = -1
        default: config.asOf = Date(timeIntervalSince1970: 0)
        }
        #expect {
            try config.validate()
        } throws: { error in
            guard case let .invalidArgument(name, _) = error as? DataGenError else { return false }
            return name == option
        }
        #expect(throws: DataGenError.self) { try generateDataset(config) }
    }

    @Test("YYYY-MM-DD parsing checks the calendar")
    func dayParsing() {
        #expect(DataGenConfig.date(fromDay: "2026-11-20")?.timeIntervalSince1970 == 1_795_132_800)
        #expect(DataGenConfig.date(fromDay: "2026-02-29") == nil)
        #expect(DataGenConfig.date(fromDay: "2026-1-20") == nil)
        #expect(CivilDay.format(CivilDay.parse("2024-02-29")!) == "2024-02-29")
        #expect(CivilDay.weekday(of: CivilDay.parse("2026-11-20")!) == 4)  // a Friday
        #expect(CivilDay.format(CivilDay.adding(months: 1, to: CivilDay.parse("2026-01-31")!)) == "2026-02-28")
        #expect(CivilDay.format(CivilDay.adding(months: 12, to: CivilDay.parse("2024-02-29")!)) == "2025-02-28")
    }

    @Test("an alias table draws in proportion and never draws a zero weight")
    func aliasTable() {
        var tables = AliasTableSet()
        _ = tables.append(weights: [5, 5])
        let table = tables.append(weights: [1, 0, 3, 0, 4])
        var rng = Xoshiro256StarStar(seed: 1, stream: 1)
        var counts = Array(repeating: 0, count: 5)
        for _ in 0..<80_000 { counts[tables.sample(rng.next(), table: table, count: 5)] += 1 }
        #expect(counts[1] == 0 && counts[3] == 0)
        #expect(abs(Double(counts[0]) / 10_000 - 1) < 0.1)
        #expect(abs(Double(counts[2]) / 30_000 - 1) < 0.05)
        #expect(abs(Double(counts[4]) / 40_000 - 1) < 0.05)
    }

    @Test("the generator is seeded: streams repeat and differ")
    func generatorStreams() {
        var a = Xoshiro256StarStar(seed: 7, stream: 3)
        var b = Xoshiro256StarStar(seed: 7, stream: 3)
        var c = Xoshiro256StarStar(seed: 7, stream: 4)
        let xs = (0..<4).map { _ in a.next() }
        #expect(xs == (0..<4).map { _ in b.next() })
        #expect(xs != (0..<4).map { _ in c.next() })
    }
}
