import Foundation
import Testing
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore
@testable import VitalsTools

/// `vitals score` materializes; `vitals query` reads the materialized
/// results for default arguments and computes from the columns otherwise.
/// Both paths must give the same answers.
@Suite(.serialized) struct ToolTests {
    /// Scores the generated store as of its latest day (once per test; re-running replaces).
    static func scoredStore() throws -> (Store, MaterializedDay) {
        let store = try Store.open(at: GeneratedStore.path)
        let context = try ToolContext(store: store, useMaterialized: false)
        let day = try Scorer(context: context).score(context.defaultAsOf)
        try store.writeScores([day])
        return (store, day)
    }

    static func withoutSource(_ value: JSONValue) -> JSONValue {
        guard case var .object(object) = value else { return value }
        object["source"] = nil
        return .object(object)
    }

    /// The path of the first difference between two JSON values, for readable failures.
    static func firstDifference(_ a: JSONValue, _ b: JSONValue, path: String = "$") -> String? {
        switch (a, b) {
        case let (.object(x), .object(y)):
            for key in Set(x.keys).union(y.keys).sorted() {
                guard let u = x[key], let v = y[key] else { return "\(path).\(key) missing on one side" }
                if let found = firstDifference(u, v, path: "\(path).\(key)") { return found }
            }
            return nil
        case let (.array(x), .array(y)):
            guard x.count == y.count else { return "\(path) has \(x.count) vs \(y.count) items" }
            for (i, (u, v)) in zip(x, y).enumerated() {
                if let found = firstDifference(u, v, path: "\(path)[\(i)]") { return found }
            }
            return nil
        default:
            return a == b ? nil : "\(path): \(a.text()) vs \(b.text())"
        }
    }

    @Test func materializedAndComputedPathsAgree() throws {
        let (store, _) = try Self.scoredStore()
        let materialized = try ToolContext(store: store, useMaterialized: true)
        let computed = try ToolContext(store: store, useMaterialized: false)
        for agencyID in ["ag_001", "ag_002"] {
            for tool in ReadTools.all where tool.materializedDefaults != nil {
                // Default arguments: served from the materialized results.
                let fromStore = try ReadTools.call(tool.name, agencyID: agencyID, arguments: nil, context: materialized)
                #expect(fromStore["source"] == .string("materialized"), "\(tool.name)")
                // The same arguments given explicitly, computed from the columns.
                let explicit = tool.materializedDefaults!
                let fromColumns = try ReadTools.call(tool.name, agencyID: agencyID, arguments: .object(explicit), context: computed)
                #expect(fromColumns["source"] == .string("computed"), "\(tool.name)")
                #expect(Self.firstDifference(Self.withoutSource(fromStore), Self.withoutSource(fromColumns)) == nil, "\(tool.name) of \(agencyID)")
            }
        }
        // An account-level tool: the materialized score row against the columns.
        let accounts = try ReadTools.call("list_tracked_accounts", agencyID: "ag_001", arguments: .object(["limit": .int(200)]), context: computed)
        guard case let .array(items)? = accounts["items"] else { Issue.record("no items"); return }
        for item in items.prefix(10) {
            let args = JSONValue.object(["account_id": item["account_id"]!])
            let fromStore = try ReadTools.call("get_account", agencyID: "ag_001", arguments: args, context: materialized)
            #expect(fromStore["source"] == .string("materialized"))
            let fromColumns = try ReadTools.call("get_account", agencyID: "ag_001", arguments: args, context: computed)
            #expect(Self.firstDifference(Self.withoutSource(fromStore), Self.withoutSource(fromColumns)) == nil)
            guard case let .array(trend)? = fromStore["health_trend"] else { Issue.record("no health trend"); continue }
            #expect(trend.last?["as_of"] == .string(materialized.defaultAsOf.description))
        }
    }

    /// `vitals query` answers a default call from the store's tables alone
    /// (``StoredAnswers``, no event decoded): the same JSON, page and
    /// fields as a loaded context; any other call is left to the context.
    @Test func storedAnswersWithoutTheDatasetEqualTheContextsAnswers() throws {
        let (store, _) = try Self.scoredStore()
        let context = try ToolContext(store: store)
        let answers = try #require(try StoredAnswers(store: store))
        #expect(answers.defaultAsOf == context.defaultAsOf && answers.dataFrom == context.dataFrom)
        var answered = 0
        for agencyID in ["ag_001", "ag_002"] {
            for tool in ReadTools.all where tool.materializedDefaults != nil {
                // Pages, and one field of the items (the first of an item's own).
                let field = try ReadTools.call(tool.name, agencyID: agencyID, arguments: nil, context: context)["items"]?.arrayValue?.first?
                    .objectValue?.keys.sorted().first ?? "account_id"
                let pages: [JSONValue?] = [nil, .object(["limit": .int(3)]), .object(["limit": .int(2), "cursor": .string(Cursor.make(offset: 2))]),
                                           .object(["as_of": .string(context.defaultAsOf.description), "limit": .int(4), "fields": .array([.string(field)])])]
                for arguments in tool.isList ? pages : [nil] {
                    let stored = ReadTools.storedAnswer(tool.name, agencyID: agencyID, arguments: arguments, answers: answers)
                    let loaded = try ReadTools.call(tool.name, agencyID: agencyID, arguments: arguments, context: context)
                    #expect(loaded["source"] == .string("materialized"), "\(tool.name)")
                    guard let stored else { Issue.record("\(tool.name) \(arguments?.text() ?? "") not answered from the store"); continue }
                    #expect(Self.firstDifference(stored, loaded) == nil, "\(tool.name) \(arguments?.text() ?? "") of \(agencyID)")
                    answered += 1
                }
            }
        }
        #expect(answered > 40)
        // Not a default call, not a materialized tool, a bad call: left to the loaded context.
        let declined: [(String, String, JSONValue?)] = [
            ("list_health_movers", "ag_001", .object(["days": .int(14)])),
            ("list_accounts_at_risk", "ag_001", .object(["as_of": .string(AsOf(day: context.defaultAsOf.day - 1).description)])),
            ("list_accounts_at_risk", "ag_001", .object(["as_of": .string("2030-01-01")])),
            ("list_accounts_at_risk", "ag_009", nil),
            ("list_accounts_at_risk", "ag_001", .object(["limit": .string("ten")])),
            ("get_account", "ag_001", .object(["account_id": .string("acc_00001")])),
        ]
        for (tool, agencyID, arguments) in declined {
            #expect(ReadTools.storedAnswer(tool, agencyID: agencyID, arguments: arguments, answers: answers) == nil, "\(tool) \(arguments?.text() ?? "")")
        }
    }

    /// After a priority write the stored answers show the old priority: the
    /// agency's default calls are no longer read from the store (nor by a
    /// loaded context), until the next score.
    @Test func storedAnswersStepAsideAfterAMetadataWrite() throws {
        let path = GeneratedStore.make(agencies: 2, accountsPerAgency: 12, usersPerAccount: 4, days: 60, events: 8_000, seed: 9)
        let store = try Store.open(at: path)
        let scoring = try ToolContext(store: store, useMaterialized: false)
        try store.writeScores([try Scorer(context: scoring).score(scoring.defaultAsOf)])
        #expect(ReadTools.storedAnswer("list_tracked_accounts", agencyID: "ag_001", arguments: nil, answers: try #require(try StoredAnswers(store: store))) != nil)
        let account = try #require(try ReadTools.call("list_tracked_accounts", agencyID: "ag_001", arguments: nil, context: scoring)["items"]?.arrayValue?.first?["account_id"])
        _ = try WriteTools.call("set_account_priority", agencyID: "ag_001", client: "test", arguments: ["account_id": account, "priority": "high"],
                                context: try ToolContext(store: store), scopes: [.writeMetadata])
        let answers = try #require(try StoredAnswers(store: store))
        #expect(ReadTools.storedAnswer("list_tracked_accounts", agencyID: "ag_001", arguments: nil, answers: answers) == nil)
        #expect(ReadTools.storedAnswer("list_tracked_accounts", agencyID: "ag_002", arguments: nil, answers: answers) != nil)
    }

    @Test func churnedAccountsAreCertainAndNotInTheAtRiskList() throws {
        let (store, _) = try Self.scoredStore()
        let context = try ToolContext(store: store)
        let all = try ReadTools.call("list_tracked_accounts", agencyID: "ag_001", arguments: .object(["limit": .int(200)]), context: context)
        guard case let .array(accounts)? = all["items"] else { Issue.record("no items"); return }
        let churned = accounts.filter { $0["churned"] == .bool(true) }
        #expect(!churned.isEmpty)  // data-gen plants historical churners
        #expect(churned.allSatisfy { $0["churn_risk"] == .double(1) && $0["mrr_cents"] == .int(0) })
        let risky = try ReadTools.call("list_accounts_at_risk", agencyID: "ag_001", arguments: .object(["limit": .int(200)]), context: context)
        guard case let .array(items)? = risky["items"] else { Issue.record("no items"); return }
        let riskyIDs = Set(items.compactMap { $0["account"]?["account_id"]?.text() })
        #expect(!items.isEmpty)
        #expect(churned.allSatisfy { !riskyIDs.contains($0["account_id"]!.text()) })
        // Highest churn risk first.
        let risks = items.compactMap { item -> Double? in
            switch item["account"]?["churn_risk"] { case let .double(d)?: d; case let .int(n)?: Double(n); default: nil }
        }
        #expect(risks == risks.sorted(by: >))
    }

    /// Every tool's default answer (required arguments only) stays near
    /// 10 KB of JSON, so a weak model's context does not fill in a few calls.
    @Test func defaultAnswersAreSmall() throws {
        let (store, _) = try Self.scoredStore()
        let context = try ToolContext(store: store)
        let agency = context.dataset.agencyKey("ag_001")!
        let account = context.dataset.accounts[context.index.trackedAccounts[agency][0]].accountID
        let user = context.dataset.users[context.index.usersOfAccount[context.index.trackedAccounts[agency][0]][0]].userID
        // The team's work, written long: full reasons, tasks, objectives and bodies.
        let workCTA = try Self.writeLongWork(account: account, context: context)
        for tool in ReadTools.all {
            var arguments: [String: JSONValue] = [:]
            for parameter in tool.parameters where parameter.required {
                switch parameter.name {
                case "account_id": arguments["account_id"] = .string(account)
                case "user_id": arguments["user_id"] = .string(user)
                case "query": arguments["query"] = "a"
                case "cta_id": arguments["cta_id"] = .string(workCTA)
                default: Issue.record("\(tool.name): no test value for \(parameter.name)")
                }
            }
            let result = try ReadTools.call(tool.name, agencyID: "ag_001", arguments: .object(arguments), context: context)
            let bytes = result.text().utf8.count
            #expect(bytes <= 10 * 1024, "\(tool.name) answers \(bytes) bytes by default")
            if tool.isList, case let .int(total)? = result["total"] {
                // A full first page where the list is long enough: the budget was really exercised.
                if total >= tool.pageSize { #expect(result["returned"] == .int(tool.pageSize), "\(tool.name)") }
            }
        }
    }

    /// 30 CTAs of 3 tasks with 300-character reasons, 30 activities of 2,000
    /// characters on the first of them, 12 plans of 6 objectives: the
    /// longest a page of each work list can be. Once per store.
    static func writeLongWork(account: String, context: ToolContext) throws -> String {
        func write(_ tool: String, _ arguments: JSONValue) throws -> JSONValue {
            try WriteTools.call(tool, agencyID: "ag_001", client: "key_test", arguments: arguments, context: context, scopes: Set(Scope.allCases))
        }
        let reason = JSONValue.string(String(repeating: "r", count: 300))
        let title = JSONValue.string(String(repeating: "t", count: 200))
        var first = ""
        for i in 0 ..< 30 {
            let cta = try write("create_cta", ["account_id": .string(account), "type": "risk", "reason": reason, "tasks": [title, title, title],
                                               "idempotency_key": .string("long-cta-\(i)")])
            if i == 0 { first = cta["cta_id"]?.stringValue ?? "" }
            _ = try write("log_activity", ["account_id": .string(account), "kind": "call", "body": .string(String(repeating: "b", count: 2000)),
                                           "subject": title, "cta_id": .string(first), "idempotency_key": .string("long-act-\(i)")])
        }
        for i in 0 ..< 12 {
            _ = try write("create_success_plan", ["account_id": .string(account), "title": title, "objectives": .array(Array(repeating: title, count: 6)),
                                                  "target_date": "2026-12-31", "idempotency_key": .string("long-plan-\(i)")])
        }
        return first
    }

    @Test func nonDefaultArgumentsAreComputed() throws {
        let (store, _) = try Self.scoredStore()
        let context = try ToolContext(store: store, useMaterialized: true)
        let result = try ReadTools.call("list_inactive_users", agencyID: "ag_001", arguments: .object(["days": .int(45)]), context: context)
        #expect(result["source"] == .string("computed"))
        #expect(result["days"] == .int(45))
    }

    @Test func backfilledDaysMakeTheHealthTrend() throws {
        let store = try Store.open(at: GeneratedStore.path)
        let context = try ToolContext(store: store, useMaterialized: false)
        let scorer = Scorer(context: context)
        let last = context.defaultAsOf.day
        try store.writeScores([try scorer.score(AsOf(day: last - 2)), try scorer.score(AsOf(day: last - 1)), try scorer.score(AsOf(day: last))])
        let reader = try ToolContext(store: store)
        let account = try ReadTools.call("list_tracked_accounts", agencyID: "ag_001", arguments: .object(["limit": .int(1)]), context: reader)
        guard case let .array(items)? = account["items"], let id = items.first?["account_id"] else { Issue.record("no account"); return }
        let detail = try ReadTools.call("get_account", agencyID: "ag_001", arguments: .object(["account_id": id]), context: reader)
        guard case let .array(trend)? = detail["health_trend"] else { Issue.record("no trend"); return }
        #expect(trend.map { $0["as_of"] } == (last - 2 ... last).map { .string(CivilTime.formatDate(days: $0)) })
        // Asked as of an earlier day, the trend stops there.
        let earlier = try ReadTools.call("get_account", agencyID: "ag_001",
                                         arguments: .object(["account_id": id, "as_of": .string(CivilTime.formatDate(days: last - 1))]), context: reader)
        guard case let .array(earlierTrend)? = earlier["health_trend"] else { Issue.record("no trend"); return }
        #expect(earlierTrend.count == 2)
        // Only the newest scored day keeps its full detail; an earlier day is computed.
        #expect(earlier["source"] == .string("computed"))
        #expect(detail["source"] == .string("materialized"))
    }

    @Test func rescoringADayReplacesIt() throws {
        let (store, day) = try Self.scoredStore()
        _ = try Self.scoredStore()
        let rows = try store.materializedScores(asOfDay: day.asOfDay)
        #expect(rows.count == day.scores.count)
        #expect(try store.scoreRuns().filter { $0.asOfDay == day.asOfDay }.count == 1)
    }

    @Test func paginationWalksToTheEndWithoutRepeats() throws {
        let (store, _) = try Self.scoredStore()
        let context = try ToolContext(store: store)
        var seen: [JSONValue] = []
        var cursor: JSONValue = .null
        var total = 0
        repeat {
            var args: [String: JSONValue] = ["limit": .int(7)]
            if cursor != .null { args["cursor"] = cursor }
            let page = try ReadTools.call("list_tracked_accounts", agencyID: "ag_002", arguments: .object(args), context: context)
            guard case let .array(items)? = page["items"], case let .int(count)? = page["total"] else { Issue.record("bad page"); return }
            total = count
            seen += items.map { $0["account_id"]! }
            cursor = page["next_cursor"] ?? .null
            #expect(page["has_more"] == .bool(cursor != .null))
        } while cursor != .null
        #expect(seen.count == total)
        #expect(Set(seen.map { $0.text() }).count == total)
        #expect(total == context.index.trackedAccounts[context.dataset.agencyKey("ag_002")!].count)
    }

    @Test func errorsSayWhatToDoNext() throws {
        let context = try ToolContext(store: try Store.open(at: GeneratedStore.path, readOnly: true))
        // An account of the other agency answers exactly as an unknown id.
        let other = context.dataset.accounts.first { context.dataset.agencies[$0.agencyKey].agencyID == "ag_002" && $0.tracked }!.accountID
        for id in [other, "acc_nope"] {
            #expect(throws: ToolError("account \(id) is not tracked by this agency — call search_accounts to find the account_id")) {
                try ReadTools.call("get_account", agencyID: "ag_001", arguments: .object(["account_id": .string(id)]), context: context)
            }
        }
        #expect(throws: ToolError("invalid days: must be between 1 and 366, got 0 (example: 30)")) {
            try ReadTools.call("list_inactive_users", agencyID: "ag_001", arguments: .object(["days": .int(0)]), context: context)
        }
        #expect(throws: ToolError("invalid direction: expected up, down or both (example: down)")) {
            try ReadTools.call("list_feature_metric_movers", agencyID: "ag_001", arguments: .object(["direction": .string("sideways")]), context: context)
        }
        #expect(throws: ToolError("missing required argument account_id (example: acc_00042)")) {
            try ReadTools.call("get_login_activity", agencyID: "ag_001", arguments: nil, context: context)
        }
        #expect(throws: ToolError("unknown argument limit; this tool takes: as_of")) {
            try ReadTools.call("get_agency_overview", agencyID: "ag_001", arguments: .object(["limit": .int(5)]), context: context)
        }
        #expect(throws: ToolError("invalid limit: must be between 1 and 200, got 500 (example: 20)")) {
            try ReadTools.call("list_tracked_accounts", agencyID: "ag_001", arguments: .object(["limit": .int(500)]), context: context)
        }
    }

    @Test func scoresCSVHasTheContractColumnsAndFormats() throws {
        // The fixture store with its scores, through the real Scorer.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in AgencyFixture.files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        let path = directory.appendingPathComponent("s.db").path
        _ = try Ingestor.ingest(directory: directory.path, into: path)
        let context = try ToolContext(store: try Store.open(at: path), useMaterialized: false)
        let scorer = Scorer(context: context)
        let rows = scorer.csvRows(try scorer.score(AgencyFixture.asOf))
        #expect(Scorer.csvHeader == "agency_id,account_id,as_of,health,band,activity,recency,breadth,trend,payments,sentiment,churn_risk,signals")
        let alpha = try #require(rows.first { $0.hasPrefix("ag_1,acc_a,") })
        let fields = alpha.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(fields.count == 13)
        #expect(Array(fields[0 ..< 11]) == ["ag_1", "acc_a", "2026-11-20", "76.0", "Healthy", "0.5000", "1.0000", "1.0000", "1.0000", "0.5000", "0.6000"])
        #expect(fields[11].wholeMatch(of: /0\.\d{4}|1\.0000/) != nil)
        #expect(fields[12] == "failed_payment;detractor;renewal_soon")
        let bravo = try #require(rows.first { $0.hasPrefix("ag_1,acc_b,") })
        #expect(bravo.hasSuffix(",no_login_14d;low_seat_use;champion_inactive"))
        #expect(bravo.contains(",22.5,At Risk,0.0000,0.0000,0.0000,0.5000,1.0000,0.5000,"))
        // Untracked acc_c is not scored; ag_2's acc_f is.
        #expect(!rows.contains { $0.contains(",acc_c,") })
        #expect(rows.count == 5)
    }

    @Test func fixedDecimals() {
        #expect(Scorer.fixed(76, 1) == "76.0")
        #expect(Scorer.fixed(0.46153846, 4) == "0.4615")
        #expect(Scorer.fixed(0.00005, 4) == "0.0001")
        #expect(Scorer.fixed(1, 4) == "1.0000")
        #expect(Scorer.fixed(0, 4) == "0.0000")
    }
}
