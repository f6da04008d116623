import Foundation
import GRDB
import Testing
import VitalsAnalytics
@testable import VitalsStore
@testable import VitalsTools

/// `vitals score` packs each agency's detail and results on the core that
/// scored it (``Scorer/score(_:detailed:packed:)``); the store must keep
/// exactly what it keeps when the write packs them.
@Suite struct PackedDetailTests {
    /// Three agencies, so that the agencies' blobs and frames must land under their own keys.
    static let path = GeneratedStore.make(agencies: 3, accountsPerAgency: 25, usersPerAccount: 5, days: 120, events: 40_000, seed: 12)

    /// Every stored row of the detail tables, as bytes.
    static func storedDetail(_ store: Store, day: Int) throws -> (scores: [Row], results: [Row]) {
        try store.read { db in
            (try Row.fetchAll(db, sql: "SELECT agency_key, scores FROM agency_scores WHERE as_of_day = ? ORDER BY agency_key", arguments: [day]),
             try Row.fetchAll(db, sql: "SELECT agency_key, tool, result_json FROM agency_results WHERE as_of_day = ? ORDER BY agency_key, tool",
                              arguments: [day]))
        }
    }

    @Test func detailPackedByTheScorerIsStoredAsTheWritePacksIt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-packed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let textPath = root.appendingPathComponent("text.db").path, packedPath = root.appendingPathComponent("packed.db").path
        try FileManager.default.copyItem(atPath: Self.path, toPath: textPath)
        try FileManager.default.copyItem(atPath: Self.path, toPath: packedPath)

        let textStore = try Store.open(at: textPath), packedStore = try Store.open(at: packedPath)
        let scorer = Scorer(context: try ToolContext(store: textStore, useMaterialized: false))
        let day = scorer.context.defaultAsOf
        let text = try scorer.score(day), packed = try scorer.score(day, packed: true)

        // The packed day holds no text, one packed part per agency, and the same scores otherwise.
        #expect(packed.packedDetail.map(\.agencyKey) == [0, 1, 2])
        #expect(packed.agencyResults.isEmpty && packed.scores.allSatisfy { $0.detail.isEmpty })
        #expect(!text.agencyResults.isEmpty && text.scores.allSatisfy { !$0.detail.isEmpty })
        #expect(packed.scores == text.scores.map { var score = $0; score.detail = []; return score })
        #expect(packed.history == text.history)
        // Without detail there is nothing to pack.
        #expect(try scorer.score(day, detailed: false, packed: true).packedDetail.isEmpty)

        try textStore.writeScores([text])
        try packedStore.writeScores([packed])
        let fromText = try Self.storedDetail(textStore, day: day.day), fromPacked = try Self.storedDetail(packedStore, day: day.day)
        // One row of scores and one bundle of results per agency.
        #expect(fromText.scores.count == 3 && fromText.results.count == 3)
        #expect(fromPacked.scores == fromText.scores)
        #expect(fromPacked.results == fromText.results)
        // And they read back as the text they were made from.
        #expect(try packedStore.materializedScores(asOfDay: day.day) == text.scores)
        for result in text.agencyResults {
            let stored = try packedStore.agencyResult(asOfDay: day.day, agencyKey: result.agencyKey, tool: result.tool)
            #expect(stored == String(decoding: result.json, as: UTF8.self), "\(result.tool) of agency \(result.agencyKey)")
        }
    }
}
