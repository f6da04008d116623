import Foundation
import GRDB
import Testing
@testable import VitalsStore

/// The newest day's detail and default results are stored compressed and
/// read back exactly; rows a release before wrote as text still read.
@Suite struct StoredResultsTests {
    @Test func detailAndResultsReadBackExactlyAndOldTextRowsToo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-results-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Store.open(at: path, create: true)
        try store.write { db in
            try db.execute(sql: "INSERT INTO agencies (agency_key, agency_id, name) VALUES (0, 'ag_1', 'Agency')")
            try db.execute(sql: """
                INSERT INTO accounts (account_key, account_id, agency_key, name, plan, owner_email, tracked, priority)
                VALUES (0, 'acc_1', 0, 'One', 'pro', 'o@example.com', 1, 'normal'), (1, 'acc_2', 0, 'Two', 'pro', 'o@example.com', 1, 'normal')
                """)
        }
        let detail = #"{"account_id":"acc_1","note":"é \"quoted\" 😀","drivers":[1,2,3]}"#
        let big = "[" + (0 ..< 5_000).map { #"{"account_id":"acc_\#($0)","health":\#($0 % 100)}"# }.joined(separator: ",") + "]"
        func score(_ key: Int, _ json: String) -> MaterializedScore {
            MaterializedScore(accountKey: key, agencyKey: 0, health: 50, band: "watch", components: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
                              churnRisk: 0.25, signals: ["usage_drop"], detailJSON: json)
        }
        let day = MaterializedDay(asOfDay: 20_777, configJSON: "{}", modelJSON: "{}", scores: [score(0, detail), score(1, "")],
                                  agencyResults: [(agencyKey: 0, tool: "list_tracked_accounts", json: big)])
        try store.writeScores([day])
        #expect(try store.materializedScores(asOfDay: 20_777).map(\.detailJSON) == [detail, ""])
        #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: 0, tool: "list_tracked_accounts") == big)
        // Compressed: the 5,000-row list takes a fraction of its text.
        let stored = try store.read { db in try Int.fetchOne(db, sql: "SELECT length(result_json) FROM agency_results")! }
        #expect(stored * 5 < big.utf8.count)
        // A row written as text (before compression) reads as it is.
        try store.write { db in try db.execute(sql: "UPDATE account_scores SET detail_json = '{\"old\":true}' WHERE account_key = 1") }
        #expect(try store.materializedScore(asOfDay: 20_777, accountKey: 1)?.detailJSON == #"{"old":true}"#)
    }
}
