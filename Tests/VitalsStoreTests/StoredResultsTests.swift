import Foundation
import GRDB
import Testing
import VitalsColumnar
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
                              churnRisk: 0.25, signals: ["usage_drop"], detail: Array(json.utf8))
        }
        let day = MaterializedDay(asOfDay: 20_777, configJSON: "{}", modelJSON: "{}", scores: [score(0, detail), score(1, "")],
                                  agencyResults: [(agencyKey: 0, tool: "list_tracked_accounts", json: Array(big.utf8))])
        try store.writeScores([day])
        #expect(try store.materializedScores(asOfDay: 20_777).map(\.detail) == [Array(detail.utf8), []])
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
        #expect(try store.materializedScore(asOfDay: 20_778, accountKey: 1)?.detail == Array(#"{"old":true}"#.utf8))
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
        // Agencies interleaved; odd doubles; an empty band, no signals; a detail of any bytes (multibyte text, NUL, 0xFF): the store keeps it as given.
        let scores = (0 ..< 6).map { key in
            let detail: [UInt8] = Array("{\"k\":\(key),\"t\":\"ü→😀\"}".utf8) + [0, 255, UInt8(key)]
            return MaterializedScore(accountKey: key, agencyKey: key % 2, health: 100.0 / 3 + Double(key), band: key == 3 ? "" : "healthy",
                              components: [0.1, 0.2, 1.0 / 7, 0.4, -0.0, 1e-300], churnRisk: 0.123456789012345 * Double(key),
                              signals: key % 3 == 0 ? [] : ["usage_drop", "payment_failed"], detail: detail)
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

    /// A JSON string of `count` pseudo-random hex digits: zstd finds no
    /// repeats in it, so compressed it keeps about half its length.
    static func incompressible(_ count: Int, seed: UInt64) -> String {
        var state = seed, text = ""
        for _ in 0 ..< count / 16 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text += String(state, radix: 16).padding(toLength: 16, withPad: "0", startingAt: 0)
        }
        return "\"" + text + "\""
    }

    /// A day of results of `size` to `size` + 1,400 characters (like a
    /// stored list of an agency's accounts), three for each of `agencies`.
    static func dayOfResults(_ day: Int, agencies: Int, size: Int, seed: UInt64) -> MaterializedDay {
        let results = (0 ..< agencies).flatMap { agency in
            ["list_tracked_accounts", "list_health_movers", "list_upsell_candidates"].enumerated().map { n, tool in
                (agencyKey: agency, tool: tool, json: Array(incompressible(size + 700 * n, seed: seed &+ UInt64(agency * 3 + n)).utf8))
            }
        }
        return MaterializedDay(asOfDay: day, configJSON: "{}", modelJSON: "{}", scores: [], agencyResults: results)
    }

    /// A night replaces the day before's detail in the pages it frees: the
    /// store does not grow by a day of results each night (inserted before
    /// the older day was dropped, the new rows went to new pages at the end
    /// of the file), and every result reads back.
    @Test func aNightsResultsTakeThePagesTheDayBeforeFreed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-reuse-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Store.open(at: path, create: true)
        let agencies = 40
        try store.write { db in
            for key in 0 ..< agencies {
                try db.execute(sql: "INSERT INTO agencies (agency_key, agency_id, name) VALUES (?, ?, 'A')", arguments: [key, "ag_\(key)"])
            }
        }
        func pages() throws -> Int { try store.read { try Int.fetchOne($0, sql: "PRAGMA page_count")! } }
        let empty = try pages()
        var counts: [Int] = []
        for night in 0 ..< 4 {
            // Hex digits: compressed, a result keeps about half its 12–15 KB.
            let day = Self.dayOfResults(20_777 + night, agencies: agencies, size: 12_000, seed: UInt64(night) * 1_000)
            try store.writeScores([day])
            counts.append(try pages())
            for result in day.agencyResults.prefix(7) {
                #expect(try store.agencyResult(asOfDay: day.asOfDay, agencyKey: result.agencyKey, tool: result.tool) == String(decoding: result.json, as: UTF8.self))
            }
        }
        // A day's results: 40 bundles of three, 120 results of 6–7.5 KB compressed, about 50 pages of 16 KB.
        #expect(counts[0] - empty > 30, "\(empty) pages empty, \(counts)")
        // Each later night adds at most a few pages (the run's row, a b-tree page split), not another day's.
        for night in 1 ..< counts.count {
            #expect(counts[night] - counts[night - 1] < 8, "night \(night): \(counts)")
        }
        // One row per agency: its three results in one bundle.
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM agency_results")! } == agencies)
    }

    /// An agency's results are one row, one frame: each reads back as its
    /// own text, a tool it does not hold reads as none, and a row an older
    /// binary wrote for one tool (text, or its own frame) still reads,
    /// before the bundle. A damaged bundle is an error, never a wrong text.
    @Test func anAgencysResultsAreOneBundleAndOlderRowsStillRead() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-bundle-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Store.open(at: path, create: true)
        try store.write { db in
            try db.execute(sql: "INSERT INTO agencies (agency_key, agency_id, name) VALUES (0, 'ag_1', 'A'), (1, 'ag_2', 'B')")
        }
        let results: [(agencyKey: Int, tool: String, json: [UInt8])] = [
            (0, "list_tracked_accounts", Array(#"{"items":[{"account_id":"acc_1","name":"Café "Ünïcode" 😀"}]}"#.utf8)),
            (0, "get_agency_overview", Array(#"{"accounts":1}"#.utf8)),
            (0, "list_health_movers", Array(#"{"items":[]}"#.utf8)),
            (1, "get_agency_overview", Array(#"{"accounts":2}"#.utf8)),
        ]
        try store.writeScores([MaterializedDay(asOfDay: 20_777, configJSON: "{}", modelJSON: "{}", scores: [], agencyResults: results)])
        for result in results {
            #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: result.agencyKey, tool: result.tool) == String(decoding: result.json, as: UTF8.self))
        }
        #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: 1, tool: "list_health_movers") == nil)
        #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: 2, tool: "get_agency_overview") == nil)
        #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: 0, tool: ResultBundle.rowTool) == nil, "the bundle row is no tool's")
        let rows = try store.read { try Row.fetchAll($0, sql: "SELECT agency_key, tool FROM agency_results ORDER BY agency_key") }
        #expect(rows.map { $0[0] as Int } == [0, 1] && rows.allSatisfy { $0[1] as String == ResultBundle.rowTool })
        // A tool's own row, as an older binary wrote it, is read before the bundle.
        try store.write { db in
            try db.execute(sql: "INSERT INTO agency_results (as_of_day, agency_key, tool, result_json) VALUES (20777, 1, 'list_health_movers', ?)",
                           arguments: [#"{"old":true}"#])
        }
        #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: 1, tool: "list_health_movers") == #"{"old":true}"#)
        #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: 1, tool: "get_agency_overview") == #"{"accounts":2}"#)
        // A bundle cut short, or with a byte too many, is refused.
        let blob = try #require(try store.read { try Data.fetchOne($0, sql: "SELECT result_json FROM agency_results WHERE agency_key = 0 AND tool = ''") })
        let entries = try ResultBundle.entries(blob)
        #expect(entries.map(\.tool) == ["list_tracked_accounts", "get_agency_overview", "list_health_movers"])
        var raw = Array(blob)
        raw.removeLast()
        #expect(throws: StoreError.self) { try ResultBundle.entries(Data(raw)) }
        #expect(throws: StoreError.self) { try ResultBundle.entries(Data(Array(blob) + [0])) }
        #expect(throws: StoreError.self) { try ResultBundle.entries(Data("VRB2".utf8) + blob.dropFirst(4)) }
        // A whole frame whose directory does not fit its texts is refused too.
        func frame(_ text: String, length: UInt32, count: UInt32, directory: UInt32) throws -> Data {
            var raw = Array(text.utf8)
            appendCounted("get_agency_overview", to: &raw)
            appendLittleEndian(length, to: &raw)
            appendLittleEndian(count, to: &raw)
            appendLittleEndian(directory, to: &raw)
            return Data(ResultBundle.magic + (try ZstdCodec.compress(raw)))
        }
        let text = #"{"accounts":1}"#, size = UInt32(text.utf8.count)
        #expect(try ResultBundle.entries(try frame(text, length: size, count: 1, directory: size)).map(\.text) == [text])
        #expect(throws: StoreError.self) { try ResultBundle.entries(try frame(text, length: size + 1, count: 1, directory: size)) }
        #expect(throws: StoreError.self) { try ResultBundle.entries(try frame(text, length: size, count: 2, directory: size)) }
        #expect(throws: StoreError.self) { try ResultBundle.entries(try frame(text, length: size, count: 1, directory: 1_000)) }
    }

    /// A store written before the newest day's results and scores were
    /// keyed by rowid (`v17-results-by-rowid`) keeps every row through the
    /// migration, and its rows no longer take an overflow page each: a
    /// 5 KB result took two 16 KB pages in the WITHOUT ROWID table.
    @Test func theResultTablesMigrationKeepsEveryRowAndPacksThem() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-v16-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let agencies = 40
        let day = Self.dayOfResults(20_777, agencies: agencies, size: 5_000, seed: 7)
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA page_size = 16384") }
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try StoreSchema.migrator.migrate(queue, upTo: "v16-log-snapshot")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO score_runs (as_of_day, computed_at, config_json, model_json) VALUES (20777, 0, '{}', '{}')")
                for key in 0 ..< agencies {
                    try db.execute(sql: "INSERT INTO agencies (agency_key, agency_id, name) VALUES (?, ?, 'A')", arguments: [key, "ag_\(key)"])
                    try db.execute(sql: "INSERT INTO agency_scores (as_of_day, agency_key, scores) VALUES (20777, ?, ?)",
                                   arguments: [key, Data(repeating: UInt8(key), count: 100 + key)])
                }
                for result in day.agencyResults {
                    try db.execute(sql: "INSERT INTO agency_results (as_of_day, agency_key, tool, result_json) VALUES (20777, ?, ?, ?)",
                                   arguments: [result.agencyKey, result.tool, String(decoding: result.json, as: UTF8.self)])
                }
            }
            #expect(try queue.read { try String.fetchOne($0, sql: "SELECT sql FROM sqlite_master WHERE name = 'agency_results'") }?
                .contains("WITHOUT ROWID") == true)
            try queue.close()
        }
        func resultPages(_ store: Store) throws -> Int {
            try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM dbstat WHERE name = 'agency_results'")! }
        }
        let store = try Store.open(at: path)
        for table in ["agency_results", "agency_scores"] {
            let sql = try store.read { try String.fetchOne($0, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table]) }
            #expect(sql?.contains("WITHOUT ROWID") == false, "\(table): \(sql ?? "missing")")
        }
        for result in day.agencyResults {
            #expect(try store.agencyResult(asOfDay: 20_777, agencyKey: result.agencyKey, tool: result.tool) == String(decoding: result.json, as: UTF8.self))
        }
        for key in 0 ..< agencies {
            let blob = try store.read { try Data.fetchOne($0, sql: "SELECT scores FROM agency_scores WHERE as_of_day = 20777 AND agency_key = ?", arguments: [key]) }
            #expect(blob == Data(repeating: UInt8(key), count: 100 + key))
        }
        // 120 rows of 5–6.4 KB as text: two to three rows a page, where each took two pages.
        let bytes = day.agencyResults.reduce(0) { $0 + $1.json.count }
        let pages = try resultPages(store)
        #expect(pages * 16_384 < bytes * 2, "\(pages) pages for \(bytes) bytes")
    }
}
