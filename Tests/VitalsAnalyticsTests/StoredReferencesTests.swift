import Foundation
import GRDB
import Testing
import VitalsAnalytics
import VitalsJSON
@testable import VitalsStore
@testable import VitalsTools

/// The at-risk list and the health movers are stored with references to
/// the summaries and details the day's other stored results hold
/// (``StoredReferences``): smaller, and read back as the same answers.
@Suite struct StoredReferencesTests {
    static let path = GeneratedStore.make(agencies: 2, accountsPerAgency: 30, usersPerAccount: 4, days: 120, events: 30_000, seed: 31)

    /// A scored copy of the generated store.
    static func scoredCopy() throws -> Store {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-references-\(UUID().uuidString).db").path
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let store = try Store.open(at: copy)
        let context = try ToolContext(store: store, useMaterialized: false)
        try store.writeScores([try Scorer(context: context).score(context.defaultAsOf, packed: true)])
        return store
    }

    static func keys(_ value: JSONValue) -> Set<String> {
        switch value {
        case let .object(fields): Set(fields.keys).union(fields.values.flatMap(keys))
        case let .array(items): Set(items.flatMap(keys))
        default: []
        }
    }

    @Test func theStoredRowsReferToWhatTheyRepeatAndReadBackWhole() throws {
        let store = try Self.scoredCopy()
        let day = try #require(try store.scoreRuns().last?.asOfDay)
        let answers = try #require(try StoredAnswers(store: store))
        let computed = try ToolContext(store: store, useMaterialized: false)
        var rows = 0
        for tool in ["list_accounts_at_risk", "list_health_movers"] {
            for agency in 0 ..< 2 {
                let text = try #require(try store.agencyResult(asOfDay: day, agencyKey: agency, tool: tool))
                let stored = try JSONValue.parse(text)
                let items = stored["items"]?.arrayValue ?? []
                rows += items.count
                // Every stored row names its account's summary, and no more of it.
                for item in items {
                    let summary = item["$summary"] ?? item["account"]?["$summary"]
                    #expect(summary?.stringValue?.hasPrefix("acc_") == true, "\(tool): \(item.text())")
                    #expect(item["owner_email"] == nil && item["account"]?["owner_email"] == nil)
                }
                if tool == "list_accounts_at_risk" {
                    #expect(items.allSatisfy { $0["$risk"]?.intValue != nil && $0["signals"] == nil && $0["drivers"] == nil })
                }
                // Read back: no reference is left, and the answer is the computed one.
                let agencyID = "ag_00\(agency + 1)"
                let read = try #require(ReadTools.storedAnswer(tool, agencyID: agencyID, arguments: .object(["limit": .int(100)]), answers: answers))
                #expect(read["source"] == .string("materialized"))
                #expect(!Self.keys(read).contains { $0.hasPrefix("$") })
                let fromColumns = try ReadTools.call(tool, agencyID: agencyID, arguments: .object(["limit": .int(100)]), context: computed)
                #expect(ToolTests.firstDifference(ToolTests.withoutSource(read), ToolTests.withoutSource(fromColumns)) == nil, "\(tool) of \(agencyID)")
                // An at-risk row carries its account's signals and drivers again.
                if tool == "list_accounts_at_risk", let first = read["items"]?.arrayValue?.first {
                    #expect(first["drivers"]?.arrayValue?.isEmpty == false && first["signals"]?.arrayValue != nil)
                    #expect(first["account"]?["name"]?.stringValue?.isEmpty == false)
                }
                // Stored, the rows are smaller than what callers read: the at-risk list a fraction of it.
                if items.count >= 3 {
                    let whole = ToolTests.withoutSource(read).text().utf8.count
                    #expect(text.utf8.count * (tool == "list_accounts_at_risk" ? 4 : 1) < whole, "\(tool) of \(agencyID)")
                }
            }
        }
        #expect(rows >= 20, "the fixture should list accounts")
    }

    @Test func aReferenceTheStoreCannotResolveIsComputedInstead() throws {
        let store = try Self.scoredCopy()
        let context = try ToolContext(store: store, useMaterialized: false)
        let expected = try ReadTools.call("list_health_movers", agencyID: "ag_001", arguments: nil, context: context)
        // The summaries the movers refer to are gone (a store edited by hand, a partial copy).
        try store.write { db in try db.execute(sql: "DELETE FROM agency_results WHERE tool = 'list_tracked_accounts' AND agency_key = 0") }
        let answers = try #require(try StoredAnswers(store: store))
        #expect(ReadTools.storedAnswer("list_health_movers", agencyID: "ag_001", arguments: nil, answers: answers) == nil)
        // A loaded context answers anyway: computed, and the same.
        let loaded = try ReadTools.call("list_health_movers", agencyID: "ag_001", arguments: nil, context: try ToolContext(store: store))
        #expect(loaded["source"] == .string("computed"))
        #expect(ToolTests.firstDifference(ToolTests.withoutSource(loaded), ToolTests.withoutSource(expected)) == nil)
        // The other agency's stored rows still resolve.
        #expect(ReadTools.storedAnswer("list_health_movers", agencyID: "ag_002", arguments: nil, answers: answers)?["source"] == .string("materialized"))
    }

    @Test func aResultWithoutReferencesReadsAsItIs() {
        let plain: JSONValue = ["items": [["account_id": "acc_1", "health": 50.0]], "total": 1]
        var looked = false
        let read = StoredReferences.resolve(plain, summaries: { looked = true; return nil }, details: { looked = true; return nil })
        #expect(read == plain && !looked)
        // A reference to an account the summaries do not hold resolves to nothing,
        // and so does one to a detail without its signals and drivers.
        let dangling: JSONValue = ["items": [["$summary": "acc_9", "health_then": 40.0]]]
        #expect(StoredReferences.resolve(dangling, summaries: { ["items": [["account_id": "acc_1"]]] }, details: { [:] }) == nil)
        let risk: JSONValue = ["items": [["$risk": 3, "comparison": .null]]]
        #expect(StoredReferences.resolve(risk, summaries: { nil }, details: { [3: #"{"health":50.0,"signals":[]}"#] }) == nil)
        #expect(StoredReferences.resolve(risk, summaries: { nil }, details: { [3: #"{"drivers":[],"health":50.0,"signals":[]}"#] })
            == ["items": [["comparison": .null, "drivers": [], "signals": []]]])
        // The row's own fields win over the summary's.
        let own: JSONValue = ["items": [["$summary": "acc_1", "health_change": -3.0]]]
        let summaries: JSONValue = ["items": [["account_id": "acc_1", "health_change": -1.0, "name": "One"]]]
        #expect(StoredReferences.resolve(own, summaries: { summaries }, details: { [:] })
            == ["items": [["account_id": "acc_1", "health_change": -3.0, "name": "One"]]])
    }
}
