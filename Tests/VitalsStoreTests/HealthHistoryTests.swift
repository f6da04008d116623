import Foundation
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
