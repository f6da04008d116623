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
                                  agencyResults: [(agencyKey: 0, tool: "list_tracked_accounts", json: Array(big.utf8))])
        try store.writeScores([day])
        #expect(try store.materializedScores(asOfDay: 20_777).map(\.detailJSON) == [detail, ""])
        #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: 0, tool: "list_tracked_accounts") == big)
        // Compressed: the 5,000-row list takes a fraction of its text.
        let stored = try store.read { db in try Int.fetchOne(db, sql: "SELECT length(result_json) FROM agency_results")! }
        #expect(stored * 5 < big.utf8.count)
        // One row for the agency's scores, none per account.
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agency_scores")! } == 1)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM account_scores")! } == 0)
        // A day an older binary wrote, a row per account (detail as text), reads as it is.
        try store.write { db in
            try db.execute(sql: "INSERT INTO score_runs (as_of_day, computed_at, config_json, model_json) VALUES (20778, 0, '{}', '{}')")
            try db.execute(sql: """
                INSERT INTO account_scores (as_of_day, account_key, agency_key, health, band, activity, recency, breadth, trend, payments,
                    sentiment, churn_risk, signals, detail_json)
                VALUES (20778, 1, 0, 40, 'at_risk', 0, 0, 0, 0, 0, 0, 0.5, 'usage_drop;no_logins', '{"old":true}')
                """)
        }
        #expect(try store.materializedScore(asOfDay: 20_778, accountKey: 1)?.detailJSON == #"{"old":true}"#)
        #expect(try store.materializedScores(asOfDay: 20_778).map(\.signals) == [["usage_drop", "no_logins"]])
        #expect(try store.materializedScore(asOfDay: 20_778, accountKey: 0) == nil)
    }

    /// Scores packed by agency read back exactly (every field, the doubles
    /// bit for bit), by agency and by account, whatever order they came in.
    @Test func scoresPackedByAgencyReadBackExactly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-packed-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Store.open(at: path, create: true)
        try store.write { db in
            try db.execute(sql: "INSERT INTO agencies (agency_key, agency_id, name) VALUES (0, 'ag_1', 'A'), (1, 'ag_2', 'B'), (2, 'ag_3', 'C')")
            for key in 0 ..< 6 {
                try db.execute(sql: """
                    INSERT INTO accounts (account_key, account_id, agency_key, name, plan, owner_email, tracked, priority)
                    VALUES (?, ?, ?, 'n', 'pro', 'o@example.com', 1, 'normal')
                    """, arguments: [key, "acc_\(key)", key % 2])
            }
        }
        // Agencies interleaved; odd doubles; an empty band, no signals, a detail with a NUL-free multibyte text.
        let scores = (0 ..< 6).map { key in
            MaterializedScore(accountKey: key, agencyKey: key % 2, health: 100.0 / 3 + Double(key), band: key == 3 ? "" : "healthy",
                              components: [0.1, 0.2, 1.0 / 7, 0.4, -0.0, 1e-300], churnRisk: 0.123456789012345 * Double(key),
                              signals: key % 3 == 0 ? [] : ["usage_drop", "payment_failed"], detailJSON: "{\"k\":\(key),\"t\":\"ü→😀\"}")
        }
        try store.writeScores([MaterializedDay(asOfDay: 20_777, configJSON: "{}", modelJSON: "{}", scores: scores, agencyResults: [])])
        #expect(try store.materializedScores(asOfDay: 20_777) == scores)
        #expect(try store.materializedScores(asOfDay: 20_777, agencyKey: 1) == scores.filter { $0.agencyKey == 1 })
        #expect(try store.materializedScores(asOfDay: 20_777, agencyKey: 2).isEmpty)
        #expect(try store.materializedScore(asOfDay: 20_777, accountKey: 5) == scores[5])
        #expect(try store.materializedScore(asOfDay: 20_776, accountKey: 5) == nil)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agency_scores")! } == 2)
        // The next day's write drops this day's packed scores.
        try store.writeScores([MaterializedDay(asOfDay: 20_778, configJSON: "{}", modelJSON: "{}", scores: Array(scores.prefix(1)), agencyResults: [])])
        #expect(try store.materializedScores(asOfDay: 20_777).isEmpty)
        #expect(try store.materializedScores(asOfDay: 20_778) == Array(scores.prefix(1)))
        // A damaged blob is a corrupt store, named by day and agency.
        try store.write { db in try db.execute(sql: "UPDATE agency_scores SET scores = substr(scores, 1, 12)") }
        #expect {
            try store.materializedScore(asOfDay: 20_778, accountKey: 0)
        } throws: { error in
            guard case let .corrupt(message) = error as? StoreError else { return false }
            return message.contains("day 20778, agency 0")
        }
    }
}
