import Foundation
import Testing
import VitalsAnalytics
import VitalsJSON
import VitalsStore
@testable import VitalsTools

/// An account's detail is stored in binary (``AccountRisk/appendStored(to:)``)
/// and made into JSON when read: it must read back as the risk it was, field
/// for field and bit for bit, so that every answer built from it is the
/// scorer's own; a detail an earlier version stored as JSON still reads;
/// damaged bytes read as nothing (the caller computes), never as a wrong risk.
@Suite struct StoredDetailTests {
    /// Every tracked account's risk on the generated store's last day.
    static func scoredRisks() throws -> [AccountRisk] {
        let context = try ToolContext(store: try .open(at: PackedDetailTests.path, readOnly: true), useMaterialized: false)
        return (0 ..< context.dataset.agencies.count).flatMap { context.scored(agency: $0, asOf: context.defaultAsOf).risks }
    }

    @Test func everyScoredAccountReadsBackAsItsRiskAndItsJSON() throws {
        let risks = try Self.scoredRisks()
        #expect(risks.count > 50)
        // Fired signals and drivers, each with its evidence: their paths are taken (churned ones: below).
        #expect(risks.contains { !$0.signals.isEmpty } && risks.contains { !$0.drivers.isEmpty })
        var storedBytes = 0, jsonBytes = 0
        for risk in risks {
            let stored = risk.stored, json = JSONTextWriter.text(of: risk)
            let read = try #require(AccountRisk(stored: stored), "account \(risk.accountKey)")
            #expect(read == risk)
            #expect(JSONTextWriter.text(of: read) == json)
            // A detail stored as JSON text by an earlier version reads as the same risk.
            #expect(AccountRisk(stored: json) == risk)
            storedBytes += stored.count
            jsonBytes += json.count
        }
        // The point of the binary form: well under the JSON's bytes to compress and store.
        #expect(storedBytes * 3 < jsonBytes * 2, "stored \(storedBytes) bytes against \(jsonBytes) of JSON")
    }

    @Test func optionalFieldsAndOddValuesReadBackExactly() throws {
        let components = HealthComponents(activity: -0.0, recency: 1.0 / 3, breadth: 1e-300, trend: 0.1 + 0.2, payments: 1, sentiment: 0)
        let churned = AccountRisk(accountKey: 4_000_000, health: 12.3, band: .atRisk, components: components,
                                  signals: [RiskSignalHit(signal: .noLogin14d, value: nil, evidence: "no login ever", weight: nil),
                                            RiskSignalHit(signal: .lowSeatUse, value: 0.25, evidence: "1 of 4 seats — ü→😀", weight: -0.0)],
                                  churnRisk: 1, churned: true, churnedSince: "2026-10-01", drivers: [], users: 0, wau: 0, mau: 0,
                                  daysSinceLogin: nil, mrrCents: 0)
        let paying = AccountRisk(accountKey: 0, health: 100, band: .healthy, components: components, signals: [], churnRisk: 0.0001,
                                 churned: false, churnedSince: nil,
                                 drivers: [ChurnDriver(name: "tenure", contribution: 0.061, evidence: nil),
                                           ChurnDriver(name: "activity", contribution: 0.5, evidence: "")],
                                 users: 12, wau: 3, mau: 7, daysSinceLogin: 0, mrrCents: Int64(Int32.max) * 3)
        for risk in [churned, paying] {
            let read = try #require(AccountRisk(stored: risk.stored))
            #expect(read == risk)
            // Bit for bit: -0.0 equals 0.0, so the signs are compared as bit patterns.
            #expect(read.components.activity.bitPattern == (-0.0).bitPattern)
            #expect(read.signals.map { $0.weight?.bitPattern } == risk.signals.map { $0.weight?.bitPattern })
            #expect(JSONTextWriter.text(of: read) == JSONTextWriter.text(of: risk))
        }
    }

    @Test func damagedBytesReadAsNothing() throws {
        let risk = try #require(try Self.scoredRisks().first { !$0.signals.isEmpty && !$0.drivers.isEmpty })
        let stored = risk.stored
        // Cut anywhere, or with a byte after it, it is not a risk.
        for cut in 0 ..< stored.count { #expect(AccountRisk(stored: Array(stored.prefix(cut))) == nil, "cut at \(cut)") }
        #expect(AccountRisk(stored: stored + [0]) == nil)
        // An unknown version, an unknown band or signal, or broken JSON.
        var version = stored
        version[0] = 2
        #expect(AccountRisk(stored: version) == nil)
        var band = stored
        band[1 + 4 + 64] = 9
        #expect(AccountRisk(stored: band) == nil)
        #expect(AccountRisk(stored: Array(#"{"account_key":1"#.utf8)) == nil)
    }
}
