import Foundation
import GRDB
import Testing
import VitalsAnalytics
import VitalsColumnar
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

    /// The tracked list is stored as account keys and health changes; read
    /// back, each row is its account's summary again, made from the
    /// account's stored detail and its row of the store, and the answer is
    /// the computed one. Without the detail, the call is computed.
    @Test func theTrackedListIsStoredAsAccountKeysAndReadBackWhole() throws {
        let store = try Self.scoredCopy()
        let day = try #require(try store.scoreRuns().last?.asOfDay)
        let computed = try ToolContext(store: store, useMaterialized: false)
        for agency in 0 ..< 2 {
            let text = try #require(try store.agencyResult(asOfDay: day, agencyKey: agency, tool: "list_tracked_accounts"))
            let items = try #require(try JSONValue.parse(text)["items"]?.arrayValue)
            #expect(items.count == computed.index.trackedAccounts[agency].count)
            for item in items {
                #expect(item.objectValue.map { Set($0.keys) } == ["$account", "health_change"], "\(item.text())")
            }
            let agencyID = "ag_00\(agency + 1)"
            let answers = try #require(try StoredAnswers(store: store))
            for arguments: JSONValue in [.object(["limit": .int(100)]), .object(["limit": .int(4), "cursor": .string(Cursor.make(offset: 4)), "fields": ["name", "health_change"]])] {
                let read = try #require(ReadTools.storedAnswer("list_tracked_accounts", agencyID: agencyID, arguments: arguments, answers: answers))
                #expect(read["source"] == .string("materialized"))
                #expect(!Self.keys(read).contains { $0.hasPrefix("$") })
                let fromColumns = try ReadTools.call("list_tracked_accounts", agencyID: agencyID, arguments: arguments, context: computed)
                #expect(ToolTests.firstDifference(ToolTests.withoutSource(read), ToolTests.withoutSource(fromColumns)) == nil, "\(agencyID)")
            }
            // Some accounts moved over the week, and the rows say by how much.
            #expect(items.contains { ($0["health_change"]?.doubleValue ?? 0) != 0 })
            let whole = try #require(ReadTools.storedAnswer("list_tracked_accounts", agencyID: agencyID, arguments: .object(["limit": .int(100)]), answers: answers))
            #expect(text.utf8.count * 5 < ToolTests.withoutSource(whole).text().utf8.count, "stored rows are under a fifth of what callers read")
        }
        // Agency 0's stored detail gone: its list (and the movers, whose rows refer to it) is computed, and the same.
        let expected = try ReadTools.call("list_tracked_accounts", agencyID: "ag_001", arguments: nil, context: computed)
        try store.write { db in try db.execute(sql: "DELETE FROM agency_scores WHERE agency_key = 0") }
        let answers = try #require(try StoredAnswers(store: store))
        #expect(ReadTools.storedAnswer("list_tracked_accounts", agencyID: "ag_001", arguments: nil, answers: answers) == nil)
        #expect(ReadTools.storedAnswer("list_health_movers", agencyID: "ag_001", arguments: nil, answers: answers) == nil)
        let loaded = try ReadTools.call("list_tracked_accounts", agencyID: "ag_001", arguments: nil, context: try ToolContext(store: store))
        #expect(loaded["source"] == .string("computed"))
        #expect(ToolTests.firstDifference(ToolTests.withoutSource(loaded), ToolTests.withoutSource(expected)) == nil)
        #expect(ReadTools.storedAnswer("list_tracked_accounts", agencyID: "ag_002", arguments: nil, answers: answers)?["source"] == .string("materialized"))
    }

    /// Over a baseline day the history keeps (every night's), a stored
    /// mover is its account's key alone; read back, each row is the
    /// account's summary and the mover's fields written again from the
    /// stored components, the history and the run's weights and bands, and
    /// the answer is the computed one. Without that day's history, the call
    /// is computed.
    @Test func moversOverAKeptBaselineAreStoredAsKeysAndReadBackWhole() throws {
        let store = try Self.scoredCopy()
        let day = try #require(try store.scoreRuns().last?.asOfDay)
        // The week before scored first (a night's store keeps it), then the day again over it.
        let baseline = AsOf(day: day - ToolContext.healthChangeDays)
        let before = try ToolContext(store: store, useMaterialized: false)
        try store.writeScores([try Scorer(context: before).score(baseline, detailed: false)])
        let context = try ToolContext(store: store, useMaterialized: false)
        try store.writeScores([try Scorer(context: context).score(AsOf(day: day), packed: true)])
        let computed = try ToolContext(store: store, useMaterialized: false)
        var rows = 0
        for agency in 0 ..< 2 {
            let text = try #require(try store.agencyResult(asOfDay: day, agencyKey: agency, tool: "list_health_movers"))
            let stored = try JSONValue.parse(text)
            #expect(stored["compared_from"] == "history")
            let items = try #require(stored["items"]?.arrayValue)
            rows += items.count
            for item in items {
                #expect(item.objectValue.map { Set($0.keys) } == ["$mover"], "\(item.text())")
            }
            let agencyID = "ag_00\(agency + 1)"
            let answers = try #require(try StoredAnswers(store: store))
            for arguments: JSONValue in [.object(["limit": .int(100)]), .object(["limit": .int(3), "cursor": .string(Cursor.make(offset: 2)), "fields": ["health_then", "components_moved", "name"]])] {
                let read = try #require(ReadTools.storedAnswer("list_health_movers", agencyID: agencyID, arguments: arguments, answers: answers))
                #expect(read["source"] == .string("materialized"))
                #expect(!Self.keys(read).contains { $0.hasPrefix("$") })
                let fromColumns = try ReadTools.call("list_health_movers", agencyID: agencyID, arguments: arguments, context: computed)
                #expect(read["compared_from"] == "history" && fromColumns["compared_from"] == "history")
                #expect(ToolTests.firstDifference(ToolTests.withoutSource(read), ToolTests.withoutSource(fromColumns)) == nil, "\(agencyID)")
            }
            if items.count >= 3 {
                let whole = try #require(ReadTools.storedAnswer("list_health_movers", agencyID: agencyID, arguments: .object(["limit": .int(100)]), answers: answers))
                #expect(text.utf8.count * 10 < ToolTests.withoutSource(whole).text().utf8.count, "stored rows are under a tenth of what callers read")
            }
        }
        #expect(rows >= 20, "the fixture's accounts should move over a week")
        // The baseline day's history gone for agency 0: its movers are computed (from the columns), agency 1's still read.
        try store.write { db in try db.execute(sql: "DELETE FROM health_history WHERE as_of_day = ? AND agency_key = 0", arguments: [baseline.day]) }
        let answers = try #require(try StoredAnswers(store: store))
        #expect(ReadTools.storedAnswer("list_health_movers", agencyID: "ag_001", arguments: nil, answers: answers) == nil)
        #expect(ReadTools.storedAnswer("list_health_movers", agencyID: "ag_002", arguments: nil, answers: answers)?["source"] == .string("materialized"))
    }

    /// The inactive users are stored as user keys and their last logins;
    /// read back, each row has its user's id, account, email and key-user
    /// flag again, from the store's users, and the answer is the computed one.
    @Test func inactiveUsersAreStoredByKeyAndReadBackWhole() throws {
        let store = try Self.scoredCopy()
        let day = try #require(try store.scoreRuns().last?.asOfDay)
        let answers = try #require(try StoredAnswers(store: store))
        let computed = try ToolContext(store: store, useMaterialized: false)
        var rows = 0
        for agency in 0 ..< 2 {
            let text = try #require(try store.agencyResult(asOfDay: day, agencyKey: agency, tool: "list_inactive_users"))
            let items = try JSONValue.parse(text)["items"]?.arrayValue ?? []
            rows += items.count
            for item in items {
                #expect(item["$user"]?.intValue != nil && item["email"] == nil && item["user_id"] == nil && item["account_id"] == nil,
                        "\(item.text())")
            }
            let agencyID = "ag_00\(agency + 1)"
            for arguments: JSONValue in [.object(["limit": .int(100)]), .object(["limit": .int(3), "fields": ["email", "key_user"]])] {
                let read = try #require(ReadTools.storedAnswer("list_inactive_users", agencyID: agencyID, arguments: arguments, answers: answers))
                #expect(read["source"] == .string("materialized"))
                #expect(!Self.keys(read).contains { $0.hasPrefix("$") })
                let fromColumns = try ReadTools.call("list_inactive_users", agencyID: agencyID, arguments: arguments, context: computed)
                #expect(ToolTests.firstDifference(ToolTests.withoutSource(read), ToolTests.withoutSource(fromColumns)) == nil, "\(agencyID)")
            }
            if items.count >= 3 {
                let whole = try #require(ReadTools.storedAnswer("list_inactive_users", agencyID: agencyID, arguments: .object(["limit": .int(100)]), answers: answers))
                #expect(text.utf8.count * 2 < ToolTests.withoutSource(whole).text().utf8.count, "stored rows are under half of what callers read")
            }
        }
        #expect(rows >= 10, "the fixture should have inactive users")
        // The store's users by key, with their accounts' ids; a key it does not hold is left out
        // (a row naming it does not resolve, and the call is computed).
        let stored = try #require(try store.agencyResult(asOfDay: day, agencyKey: 0, tool: "list_inactive_users"))
        let first = try #require(try JSONValue.parse(stored)["items"]?.arrayValue?.first?["$user"]?.intValue)
        let found = try store.userReferences([first, 1_000_000])
        let users = computed.dataset.users
        #expect(found.count == 1)
        #expect(found[first] == Store.UserReference(userID: users.userID(first), accountID: computed.dataset.accounts[users.accountKeys[first]].accountID,
                                                    email: users.email(first), keyUser: users.isKeyUser(first)))
    }

    @Test func aReferenceTheStoreCannotResolveIsComputedInstead() throws {
        let store = try Self.scoredCopy()
        let context = try ToolContext(store: store, useMaterialized: false)
        let expected = try ReadTools.call("list_health_movers", agencyID: "ag_001", arguments: nil, context: context)
        // The summaries the movers refer to are gone (a store edited by hand, a partial copy).
        try store.write { db in
            // Agency 0's bundle packed again without its tracked list.
            let row = try #require(try Row.fetchOne(db, sql: "SELECT as_of_day, result_json FROM agency_results WHERE agency_key = 0 AND tool = ''"))
            let kept = try ResultBundle.entries(row[1]).filter { $0.tool != "list_tracked_accounts" }.map { ($0.tool, Array($0.text.utf8)) }
            #expect(kept.count == ReadTools.all.filter(\.materialized).count - 1)
            let bundle = try ResultBundle.pack(kept, compressor: ZstdCompressor(level: 1))
            try db.execute(sql: "UPDATE agency_results SET result_json = ? WHERE agency_key = 0 AND tool = ''", arguments: [bundle])
        }
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
        // A user reference: the user's fields, asked for once for every user the rows name.
        let userRows: JSONValue = ["items": [["$user": 7, "days_since_login": .null], ["$user": 2, "days_since_login": 40]]]
        var asked: [[Int]] = []
        let userFields: [Int: [String: JSONValue]] = [7: ["user_id": "u7", "email": "s@x"], 2: ["user_id": "u2", "email": "t@x"]]
        #expect(StoredReferences.resolve(userRows, summaries: { nil }, details: { nil }, users: { asked.append($0); return userFields })
            == ["items": [["days_since_login": .null, "email": "s@x", "user_id": "u7"], ["days_since_login": 40, "email": "t@x", "user_id": "u2"]]])
        #expect(asked == [[7, 2]])
        #expect(StoredReferences.resolve(userRows, summaries: { nil }, details: { nil }, users: { _ in [7: ["user_id": "u7"]] }) == nil)
        // The row's own fields win over the summary's.
        let own: JSONValue = ["items": [["$summary": "acc_1", "health_change": -3.0]]]
        let summaries: JSONValue = ["items": [["account_id": "acc_1", "health_change": -1.0, "name": "One"]]]
        #expect(StoredReferences.resolve(own, summaries: { summaries }, details: { [:] })
            == ["items": [["account_id": "acc_1", "health_change": -3.0, "name": "One"]]])
        // An account reference: the summary made from its detail and row, with the row's health change;
        // a key the store does not hold resolves to nothing.
        let tracked: JSONValue = ["items": [["$account": 5, "health_change": 2.5], ["$account": 6, "health_change": .null]]]
        let made: [Int: [String: JSONValue]] = [5: ["account_id": "acc_5", "health_change": .null], 6: ["account_id": "acc_6", "health_change": .null]]
        #expect(StoredReferences.resolve(tracked, summaries: { nil }, details: { nil }, accounts: { made })
            == ["items": [["account_id": "acc_5", "health_change": 2.5], ["account_id": "acc_6", "health_change": .null]]])
        #expect(StoredReferences.resolve(tracked, summaries: { nil }, details: { nil }, accounts: { [5: made[5]!] }) == nil)
        // A mover: the account's summary and the mover's own fields, which win; none without them.
        let mover: JSONValue = ["items": [["$mover": 5]]]
        #expect(StoredReferences.resolve(mover, summaries: { nil }, details: { nil }, accounts: { made },
                                         movers: { $0 == 5 ? ["band_then": "Watch", "health_change": 2.5] : nil })
            == ["items": [["account_id": "acc_5", "band_then": "Watch", "health_change": 2.5]]])
        #expect(StoredReferences.resolve(mover, summaries: { nil }, details: { nil }, accounts: { made }, movers: { _ in nil }) == nil)
    }
}
