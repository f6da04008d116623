import Foundation
import GRDB
import Testing
@testable import VitalsStore

/// The health history's compact day: what goes in comes out, and a day of
/// 1,000 accounts stays within the 50 KB budget even when nothing repeats.
@Suite struct HealthHistoryTests {
    static func day(accounts: Int, seed: UInt64) -> DailyScores {
        var generator = seed
        func next() -> UInt64 {
            generator = generator &* 6364136223846793005 &+ 1442695040888963407
            return generator >> 33
        }
        var scores = DailyScores(day: 20777, agencyKey: 3)
        var key = 0
        for _ in 0 ..< accounts {
            key += 1 + Int(next() % 5)
            scores.append(accountKey: key, health: Double(next() % 1001) / 10,
                          components: (0 ..< 6).map { _ in Double(next() % 10001) / 10000 },
                          churnRisk: Double(next() % 10001) / 10000, signalBits: UInt8(next() % 128),
                          mrrCents: next() % 4 == 0 ? 0 : Int64(next() % 5_000_000))
        }
        return scores
    }

    @Test func aDayRoundTripsExactly() throws {
        let original = Self.day(accounts: 1000, seed: 42)
        let decoded = try DailyScores.decode(try original.encoded(), day: original.day, agencyKey: original.agencyKey)
        #expect(decoded == original)
        let position = try #require(decoded.position(of: Int(original.accountKeys[500])))
        #expect(position == 500)
        #expect(decoded.health(at: 500) == Double(original.healthTenths[500]) / 10)
        #expect(decoded.position(of: 0) == nil)
    }

    @Test func aThousandAccountsFitTheBudget() throws {
        let bytes = try Self.day(accounts: 1000, seed: 7).encoded().count
        #expect(bytes <= 50 * 1024, "\(bytes) bytes for 1,000 accounts")
    }

    @Test func aDamagedBlobIsACorruptStoreNotACrash() throws {
        var blob = try Self.day(accounts: 10, seed: 1).encoded()
        blob[4] = 200  // claims 200 accounts
        #expect(throws: StoreError.self) { try DailyScores.decode(blob, day: 1, agencyKey: 0) }
        #expect(throws: StoreError.self) { try DailyScores.decode(Array(blob.prefix(6)), day: 1, agencyKey: 0) }
    }
}

/// A night reads the kept days it compares with, not the whole history.
@Suite struct HealthHistoryRangeTests {
    @Test func aRangeReadsExactlyItsScoredDaysOfItsAgency() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-history-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Store.open(at: path, create: true)
        try store.write { db in
            try db.execute(sql: "INSERT INTO agencies (agency_key, agency_id, name) VALUES (0, 'ag_0', 'Zero'), (1, 'ag_1', 'One')")
        }
        // Agency 0 scored on days 100, 101, 103 and 107; agency 1 on 101.
        func scores(_ day: Int, _ agency: Int) -> DailyScores {
            var scores = DailyScores(day: day, agencyKey: agency)
            scores.append(accountKey: agency, health: Double(day % 100), components: [0, 0, 0, 0, 0, 0], churnRisk: 0, signalBits: 0, mrrCents: 100)
            return scores
        }
        for (day, agencies) in [(100, [0]), (101, [0, 1]), (103, [0]), (107, [0])] {
            try store.writeScores([MaterializedDay(asOfDay: day, configJSON: "{}", modelJSON: "{}", scores: [], agencyResults: [],
                                                   history: agencies.map { scores(day, $0) })])
        }
        #expect(try store.healthHistory(agencyKey: 0, days: 101 ... 106).map(\.day) == [101, 103])
        #expect(try store.healthHistory(agencyKey: 0, days: 107 ... 107) == [scores(107, 0)])
        #expect(try store.healthHistory(agencyKey: 0, days: 104 ... 106).isEmpty)
        #expect(try store.healthHistory(agencyKey: 1, days: 0 ... 200).map(\.day) == [101])
        #expect(try store.healthHistory(agencyKey: 0, days: 0 ... 200) == store.healthHistory(agencyKey: 0))
        // A day of every agency at once: what each agency's own read finds, and no agency the day does not keep.
        #expect(try store.healthHistory(day: 101) == [0: scores(101, 0), 1: scores(101, 1)])
        #expect(try store.healthHistory(day: 103) == [0: scores(103, 0)])
        #expect(try store.healthHistory(day: 102).isEmpty)
    }
}
