import Foundation
import GRDB
import VitalsColumnar

/// One account's materialized score (plain values: the store does not know
/// the analytics types).
public struct MaterializedScore: Sendable, Equatable {
    public var accountKey: Int
    public var agencyKey: Int
    public var health: Double
    public var band: String
    /// activity, recency, breadth, trend, payments, sentiment.
    public var components: [Double]
    public var churnRisk: Double
    /// Fired signal names in DESIGN.md's order.
    public var signals: [String]
    /// Evidence, drivers and facts, as the scorer encoded them (the store
    /// keeps the bytes as given); empty when the day keeps no detail.
    public var detail: [UInt8]

    public init(accountKey: Int, agencyKey: Int, health: Double, band: String, components: [Double],
                churnRisk: Double, signals: [String], detail: [UInt8]) {
        self.accountKey = accountKey
        self.agencyKey = agencyKey
        self.health = health
        self.band = band
        self.components = components
        self.churnRisk = churnRisk
        self.signals = signals
        self.detail = detail
    }
}

/// Everything `vitals score` materializes for one as-of day.
public struct MaterializedDay: Sendable {
    public var asOfDay: Int
    public var configJSON: String
    public var modelJSON: String
    public var scores: [MaterializedScore]
    /// (agency key, tool name, result JSON as UTF-8) for the tools' default
    /// arguments: bytes, as the JSON writer made them and the store
    /// compresses them (as `String`s, 79 MB a 100 M night, each text was
    /// validated and copied once more for nothing).
    public var agencyResults: [(agencyKey: Int, tool: String, json: [UInt8])]
    /// The day's compact scores, one per agency: the health history.
    public var history: [DailyScores]
    /// The signal names in the order of ``DailyScores/signalBits`` (bit i =
    /// name i): how a day scored before the history existed is converted.
    public var signalOrder: [String]
    /// The detail and results already packed, an agency at a time, by
    /// whoever scored them (``PackedAgencyDetail``). When not empty, it is
    /// what the store keeps of the day's detail: `scores` then carry no
    /// `detail` and `agencyResults` is empty.
    public var packedDetail: [PackedAgencyDetail]
    /// `history` already encoded, an agency at a time, by whoever scored
    /// them (``PackedDailyScores``). When not empty, it is what the store
    /// writes as the day's history, one per agency of `history`.
    public var packedHistory: [PackedDailyScores]

    public init(asOfDay: Int, configJSON: String, modelJSON: String, scores: [MaterializedScore],
                agencyResults: [(agencyKey: Int, tool: String, json: [UInt8])], history: [DailyScores] = [],
                signalOrder: [String] = [], packedDetail: [PackedAgencyDetail] = [], packedHistory: [PackedDailyScores] = []) {
        precondition(packedHistory.isEmpty || packedHistory.map(\.agencyKey) == history.map(\.agencyKey), "the packed history is the history's")
        self.asOfDay = asOfDay
        self.configJSON = configJSON
        self.modelJSON = modelJSON
        self.scores = scores
        self.agencyResults = agencyResults
        self.history = history
        self.signalOrder = signalOrder
        self.packedDetail = packedDetail
        self.packedHistory = packedHistory
    }

    /// The day's detail as the store keeps it: the agencies' score blobs
    /// and result bundles, packed now on all cores unless they came packed.
    func packed() throws(StoreError) -> (scores: [(agencyKey: Int, blob: [UInt8])], results: [(agencyKey: Int, bundle: Data)]) {
        guard packedDetail.isEmpty else {
            return (packedDetail.map { ($0.agencyKey, $0.scores) },
                    packedDetail.compactMap { agency in agency.results.map { (agency.agencyKey, $0) } })
        }
        return (try PackedScores.packByAgency(scores), try ResultBundle.pack(agencyResults))
    }
}

/// One agency's detail of a scored day (each account's detail JSON, the
/// tools' default results), compressed as the store keeps it. `vitals
/// score` packs each agency on the core that scored it, as soon as it is
/// scored: a 100 M-event night held 180 MB of JSON text until the write,
/// then compressed it in a pass of its own.
public struct PackedAgencyDetail: Sendable {
    public let agencyKey: Int
    /// The agency's ``PackedScores`` blob.
    let scores: [UInt8]
    /// The results' ``ResultBundle`` (nil: the agency has none).
    let results: Data?

    /// - Parameters:
    ///   - scores: the agency's scores, in account order (their
    ///     `detail` is not read).
    ///   - detail: appends score `n`'s detail bytes to the buffer
    ///     it is given (the packed blob's own).
    ///   - results: the tools of the default results.
    ///   - result: appends result `n`'s JSON (UTF-8) to the buffer it is
    ///     given (the bundle's own).
    public init(agencyKey: Int, scores: [MaterializedScore], detail: (Int, inout [UInt8]) -> Void, results: [String],
                result: (Int, inout [UInt8]) -> Void, compressor: ZstdCompressor) throws(StoreError) {
        precondition(scores.allSatisfy { $0.agencyKey == agencyKey }, "one agency's scores")
        self.agencyKey = agencyKey
        self.scores = try PackedScores.pack(scores[...], detail: detail, compressor: compressor)
        self.results = results.isEmpty ? nil : try ResultBundle.pack(tools: results, compressor: compressor, writing: result)
    }
}

/// A materialized as-of day's run.
public struct ScoreRun: Sendable, Equatable {
    public var asOfDay: Int
    public var computedAt: Int64
    public var configJSON: String
    public var modelJSON: String
    /// Whether the day's full detail (per-account detail, default tool
    /// results) is kept: only for the newest scored day.
    public var detailed: Bool
    /// The store's data version this run wrote.
    public var dataVersion: Int64
}

/// A week's churn model as the store keeps it: fitted for the week's first
/// day under one scoring config (both as JSON: the store does not know the
/// analytics types).
public struct StoredChurnModel: Sendable, Equatable {
    /// Days since 1970-01-01: the first day of the week it scores.
    public var fittedFor: Int
    public var configJSON: String
    public var modelJSON: String
    public var computedAt: Int64

    public init(fittedFor: Int, configJSON: String, modelJSON: String, computedAt: Int64 = Int64(Date().timeIntervalSince1970)) {
        self.fittedFor = fittedFor
        self.configJSON = configJSON
        self.modelJSON = modelJSON
        self.computedAt = computedAt
    }
}

extension Store {
    /// Every stored weekly churn model, by week.
    public func churnModels() throws(StoreError) -> [StoredChurnModel] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT fitted_for, config_json, model_json, computed_at FROM churn_models ORDER BY fitted_for").map {
                StoredChurnModel(fittedFor: $0[0], configJSON: $0[1], modelJSON: $0[2], computedAt: $0[3])
            }
        }
    }

    /// Writes the results of `days` in one transaction, replacing whatever
    /// was materialized for those days before. Every day keeps its compact
    /// scores (the health history) and its run; the full detail (per-account
    /// detail and the default tool results) is kept for the newest scored day
    /// only, so a backfill of a year costs the history, not a year of detail.
    /// `models` are the weekly churn models the run fitted, kept (replacing
    /// a week's model under the same config) for the next runs to reuse.
    public func writeScores(_ days: [MaterializedDay], models: [StoredChurnModel] = [],
                            computedAt: Int64 = Int64(Date().timeIntervalSince1970)) throws(StoreError) {
        // Only the newest day keeps its detail: packed on all cores before the write lock is taken.
        let clock = TraceClock()
        let last = days.max { $0.asOfDay < $1.asOfDay }
        let packedLast = try last?.packed()
        clock.mark("write: compressed the detail and results")
        defer { clock.mark("write: committed") }
        try writeReplacingDerivedData { db in
            let version = try Self.bumpDataVersion(db)
            for model in models {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO churn_models (fitted_for, config_json, model_json, computed_at) VALUES (?, ?, ?, ?)
                    """, arguments: [model.fittedFor, model.configJSON, model.modelJSON, model.computedAt])
            }
            let newestBefore = try Int.fetchOne(db, sql: "SELECT MAX(as_of_day) FROM score_runs") ?? Int.min
            let newest = max(newestBefore, days.map(\.asOfDay).max() ?? Int.min)
            // Older days keep their history and run, not their detail. A day
            // scored before the health history existed becomes history first.
            // Dropped before the new day's rows go in, which then take the
            // pages the drop freed: inserted first, a night's rows went to
            // new pages at the end of the file, which grew by a day's detail,
            // and the freed pages were written too (README, "How the store
            // is laid out": with the rowid tables of `v17-results-by-rowid`,
            // a night's WAL on 19,390 accounts went from 10.9 to 7.1 MB).
            try Self.keepLegacyDaysAsHistory(before: newest, signalOrder: days.first?.signalOrder ?? [], db)
            try db.execute(sql: "DELETE FROM agency_scores WHERE as_of_day < ?", arguments: [newest])
            try db.execute(sql: "DELETE FROM account_scores WHERE as_of_day < ?", arguments: [newest])
            try db.execute(sql: "DELETE FROM agency_results WHERE as_of_day < ?", arguments: [newest])
            try db.execute(sql: "UPDATE score_runs SET detailed = 0 WHERE as_of_day < ?", arguments: [newest])
            clock.mark("write: dropped the older days' detail")
            for day in days {
                try db.execute(sql: "DELETE FROM agency_scores WHERE as_of_day = ?", arguments: [day.asOfDay])
                try db.execute(sql: "DELETE FROM account_scores WHERE as_of_day = ?", arguments: [day.asOfDay])
                try db.execute(sql: "DELETE FROM agency_results WHERE as_of_day = ?", arguments: [day.asOfDay])
                try db.execute(sql: "DELETE FROM score_runs WHERE as_of_day = ?", arguments: [day.asOfDay])
                try db.execute(sql: "DELETE FROM health_history WHERE as_of_day = ?", arguments: [day.asOfDay])
                let detailed = day.asOfDay == newest
                try db.execute(sql: """
                    INSERT INTO score_runs (as_of_day, computed_at, config_json, model_json, detailed, data_version)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [day.asOfDay, computedAt, day.configJSON, day.modelJSON, detailed, version])
                let insertHistory = try db.makeStatement(sql: "INSERT INTO health_history (as_of_day, agency_key, scores) VALUES (?, ?, ?)")
                let compressor = ZstdCompressor(level: 1)
                let history = day.packedHistory.isEmpty ? try day.history.map { try PackedDailyScores($0, compressor: compressor) } : day.packedHistory
                for scores in history {
                    try insertHistory.execute(arguments: [day.asOfDay, scores.agencyKey, Data(scores.blob)])
                }
                clock.mark("write: replaced the run and the history of \(day.asOfDay)")
                guard detailed else { continue }
                let packed = try day.asOfDay == last?.asOfDay ? packedLast! : day.packed()
                let insertScores = try db.makeStatement(sql: "INSERT INTO agency_scores (as_of_day, agency_key, scores) VALUES (?, ?, ?)")
                for (agencyKey, blob) in packed.scores {
                    try insertScores.execute(arguments: [day.asOfDay, agencyKey, Data(blob)])
                }
                let insertResult = try db.makeStatement(sql: "INSERT INTO agency_results (as_of_day, agency_key, tool, result_json) VALUES (?, ?, ?, ?)")
                for (agencyKey, bundle) in packed.results {
                    try insertResult.execute(arguments: [day.asOfDay, agencyKey, ResultBundle.rowTool, bundle])
                }
                clock.mark("write: inserted the detail and results")
            }
        }
    }

    /// Builds the compact history of every day before `newest` that has
    /// detail rows but no history (a store scored before `health_history`
    /// existed), from those rows, so that pruning their detail loses no
    /// day of anyone's health trend.
    static func keepLegacyDaysAsHistory(before newest: Int, signalOrder: [String], _ db: Database) throws {
        let legacy = try Int.fetchAll(db, sql: """
            SELECT DISTINCT as_of_day FROM account_scores
            WHERE as_of_day < ? AND as_of_day NOT IN (SELECT as_of_day FROM health_history)
            """, arguments: [newest])
        let bit = Dictionary(signalOrder.enumerated().map { ($1, UInt8(1) << UInt8($0)) }, uniquingKeysWith: { first, _ in first })
        let insert = try db.makeStatement(sql: "INSERT INTO health_history (as_of_day, agency_key, scores) VALUES (?, ?, ?)")
        for day in legacy {
            var byAgency: [Int: DailyScores] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT account_key, agency_key, health, activity, recency, breadth, trend, payments, sentiment, churn_risk, signals,
                       detail_json
                FROM account_scores WHERE as_of_day = ? ORDER BY agency_key, account_key
                """, arguments: [day])
            for row in rows {
                let agency: Int = row[1]
                let signals: String = row[10]
                let bits = signals.split(separator: ";").reduce(UInt8(0)) { $0 | (bit[String($1)] ?? 0) }
                // The detail is text (an older binary's) or compressed (StoredJSON).
                let detail = try StoredJSON.unpack(row[11])
                let fields = try? JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any]
                let mrrCents = (fields?["mrr_cents"] as? NSNumber)?.int64Value ?? 0
                byAgency[agency, default: DailyScores(day: day, agencyKey: agency)].append(
                    accountKey: row[0], health: row[2], components: [row[3], row[4], row[5], row[6], row[7], row[8]],
                    churnRisk: row[9], signalBits: bits, mrrCents: mrrCents)
            }
            for (agency, scores) in byAgency {
                try insert.execute(arguments: [day, agency, Data(try scores.encoded())])
            }
        }
    }

    /// The materialized runs, oldest first.
    public func scoreRuns() throws(StoreError) -> [ScoreRun] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT as_of_day, computed_at, config_json, model_json, detailed, data_version FROM score_runs ORDER BY as_of_day
                """).map {
                ScoreRun(asOfDay: $0[0], computedAt: $0[1], configJSON: $0[2], modelJSON: $0[3], detailed: $0[4], dataVersion: $0[5])
            }
        }
    }

    /// The materialized scores of a day, optionally of one agency, by account key.
    public func materializedScores(asOfDay: Int, agencyKey: Int? = nil) throws(StoreError) -> [MaterializedScore] {
        try read { db in
            guard try Self.hasAgencyScores(db, day: asOfDay) else { return try Self.legacyScores(db, day: asOfDay, agencyKey: agencyKey) }
            var sql = "SELECT agency_key, scores FROM agency_scores WHERE as_of_day = ?"
            var arguments: StatementArguments = [asOfDay]
            if let agencyKey {
                sql += " AND agency_key = ?"
                arguments += [agencyKey]
            }
            var scores: [MaterializedScore] = []
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                scores += try PackedScores.unpack([UInt8](row[1] as Data), day: asOfDay, agencyKey: row[0])
            }
            return scores.sorted { $0.accountKey < $1.accountKey }
        }
    }

    /// One account's materialized score on a day.
    public func materializedScore(asOfDay: Int, accountKey: Int) throws(StoreError) -> MaterializedScore? {
        try read { db in
            guard try Self.hasAgencyScores(db, day: asOfDay) else {
                return try Self.legacyScores(db, day: asOfDay, accountKey: accountKey).first
            }
            guard let agencyKey = try Int.fetchOne(db, sql: "SELECT agency_key FROM accounts WHERE account_key = ?", arguments: [accountKey]),
                  let blob = try Data.fetchOne(db, sql: "SELECT scores FROM agency_scores WHERE as_of_day = ? AND agency_key = ?",
                                               arguments: [asOfDay, agencyKey])
            else { return nil }
            return try PackedScores.unpack([UInt8](blob), day: asOfDay, agencyKey: agencyKey, only: accountKey).first
        }
    }

    /// Whether `day`'s scores are packed by agency (written by this
    /// release); otherwise they are an older binary's rows in `account_scores`.
    private static func hasAgencyScores(_ db: Database, day: Int) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM agency_scores WHERE as_of_day = ?)", arguments: [day]) ?? false
    }

    /// A day's scores as an older binary wrote them, a row per account.
    private static func legacyScores(_ db: Database, day: Int, agencyKey: Int? = nil, accountKey: Int? = nil) throws -> [MaterializedScore] {
        var sql = """
            SELECT account_key, agency_key, health, band, activity, recency, breadth, trend, payments, sentiment,
                   churn_risk, signals, detail_json FROM account_scores WHERE as_of_day = ?
            """
        var arguments: StatementArguments = [day]
        if let agencyKey {
            sql += " AND agency_key = ?"
            arguments += [agencyKey]
        }
        if let accountKey {
            sql += " AND account_key = ?"
            arguments += [accountKey]
        }
        sql += " ORDER BY account_key"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { try Self.score($0) }
    }

    /// A materialized agency-wide tool result (JSON), if any: from the
    /// agency's ``ResultBundle``, or from the tool's own row (an older
    /// binary's, text or a ``StoredJSON`` frame).
    public func agencyResult(asOfDay: Int, agencyKey: Int, tool: String) throws(StoreError) -> String? {
        // The empty name is the bundle's row, not a tool's.
        guard tool != ResultBundle.rowTool else { return nil }
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT tool, result_json FROM agency_results WHERE as_of_day = ? AND agency_key = ? AND tool IN (?, ?)",
                             arguments: [asOfDay, agencyKey, tool, ResultBundle.rowTool])
        }
        if let own = rows.first(where: { $0[0] as String == tool }) { return try StoredJSON.unpack(own[1]) }
        guard let bundle = rows.first, let blob = bundle[1] as Data? else { return nil }
        return try ResultBundle.unpack(blob, tool: tool)
    }

    private static func score(_ row: Row) throws(StoreError) -> MaterializedScore {
        let signals: String = row[11]
        return MaterializedScore(accountKey: row[0], agencyKey: row[1], health: row[2], band: row[3],
                                 components: [row[4], row[5], row[6], row[7], row[8], row[9]], churnRisk: row[10],
                                 signals: signals.isEmpty ? [] : signals.split(separator: ";").map(String.init),
                                 detail: Array(try StoredJSON.unpack(row[12]).utf8))
    }
}

/// How many items one compressor (its context and scratch) takes: up to
/// `most`, and fewer when that leaves fewer than 8 chunks to share among
/// the cores.
func compressionChunk(_ count: Int, atMost most: Int) -> Int {
    max(1, min(most, count / 8))
}

/// `pack(n, compressor)` of each of `count` items, in order, on all cores:
/// a compressor (its context and scratch) per chunk of up to `most` items
/// (``compressionChunk(_:atMost:)``). Throws the first error a chunk met.
func packedOnAllCores<T: Sendable>(_ count: Int, atMost most: Int,
                                   _ pack: @Sendable (Int, ZstdCompressor) throws(StoreError) -> T) throws(StoreError) -> [T] {
    let chunk = compressionChunk(count, atMost: most)
    let chunks = parallelMap((count + chunk - 1) / chunk) { c -> Result<[T], StoreError> in
        let compressor = ZstdCompressor(level: 1)
        var packed: [T] = []
        for n in c * chunk ..< min(count, (c + 1) * chunk) {
            do throws(StoreError) { packed.append(try pack(n, compressor)) } catch { return .failure(error) }
        }
        return .success(packed)
    }
    var packed: [T] = []
    packed.reserveCapacity(count)
    for result in chunks { packed += try result.get() }
    return packed
}

/// Materialized JSON stored a row per text (an account's detail, a tool's
/// default result), as older binaries wrote it: a zstd frame (level 1), or
/// text before that (at 40,000 accounts a night wrote 100 MB of it, which
/// as text took 2.8 s to write and checkpoint). Read back as it is; a day
/// scored now keeps its detail in ``PackedScores`` and its results in a
/// ``ResultBundle`` per agency.
enum StoredJSON {
    static func unpack(_ value: DatabaseValue) throws(StoreError) -> String {
        switch value.storage {
        case let .string(text): return text
        case let .blob(frame):
            let result: Result<String, ZstdError> = frame.withUnsafeBytes { bytes in
                do throws(ZstdError) {
                    let size = try ZstdCodec.contentSize(of: bytes)
                    var failure: ZstdError?
                    let text = String(unsafeUninitializedCapacity: size) { out in
                        do throws(ZstdError) { try ZstdCodec.decompress(bytes, into: UnsafeMutableRawBufferPointer(out)) } catch {
                            failure = error
                            return 0
                        }
                        return size
                    }
                    if let failure { throw failure }
                    return .success(text)
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case let .success(text): return text
            case let .failure(error): throw .corrupt("a stored result does not decompress: \(error.description)")
            }
        default: throw .corrupt("a stored result is neither text nor a compressed frame")
        }
    }
}
