import Foundation
import CGlibcExtras
import GRDB
import GRDBSQLite

/// The write step of an ingest: a parsed plan and its encoded event batches
/// into the store, inside the caller's one transaction (so a throw here
/// leaves nothing written).
enum IngestWriter {
    /// - Parameters:
    ///   - source: the dataset directory, recorded with the ingest.
    ///   - feed: the event batches, stored as they come once the entities
    ///     and logs are written (the event files may still be parsing).
    ///   - events: the rest of the event files' parse (their features and
    ///     rows), asked for once the feed is closed; it throws the parse's error.
    /// - Returns: the plan with the events taken in (``IngestPlan/add(_:)``),
    ///   and the batches stored (their segments dropped).
    /// - Throws: ``StoreError/concurrentWrite(_:)`` when another writer added
    ///   entities since the plan was read; ``StoreError/badInput(file:line:message:)``
    ///   for an id the store holds already once stored; GRDB's errors otherwise.
    static func write(_ plan: IngestPlan, source: String, to db: Database, feed: BatchFeed,
                      events: () throws -> IngestEvents) throws -> (plan: IngestPlan, batches: [EncodedBatch]) {
        guard try EntityCounts(db) == plan.base else {
            throw StoreError.concurrentWrite("the store was changed by another writer while this ingest was parsing; nothing was written, run it again")
        }
        let clock = TraceClock()
        try Store.bumpDataVersion(db)
        try save(plan.changedAgencies, id: \.agencyID, column: "agency_id", entity: "agency", db)
        try save(plan.changedAccounts, id: \.accountID, column: "account_id", entity: "account", db)
        try save(plan.changedUsers, id: \.userID, column: "user_id", entity: "user", db)
        try save(plan.changedWorkflows, id: \.workflowID, column: "workflow_id", entity: "workflow", db)
        clock.mark("write: entities")
        try writeLogs(plan, db)
        clock.mark("write: logs")
        // The ingest's row first (its batches name it); its rows and time once the events are done.
        try db.execute(sql: "INSERT INTO ingests (finished_at, source, rows_json) VALUES (0, ?, '{}')", arguments: [source])
        let ingestID = db.lastInsertedRowID
        var inserter = try BatchInserter(db)
        var stored: [EncodedBatch] = []
        var writeback = Writeback(db)
        while let item = feed.next() {
            switch item {
            case let .batch(_, batch):
                try inserter.insert(batch, ingestID: ingestID, db)
                writeback.stored(batch.storedBytes)
                var kept = batch
                kept.segments = []  // stored: the summary needs the counts alone
                stored.append(kept)
            case .takeBack:
                // A part failed: the files are parsed again whole, and their batches follow.
                try db.execute(sql: "DELETE FROM event_segments WHERE batch_id IN (SELECT batch_id FROM event_batches WHERE ingest_id = ?)",
                               arguments: [ingestID])
                try db.execute(sql: "DELETE FROM event_batches WHERE ingest_id = ?", arguments: [ingestID])
                stored = []
            }
        }
        clock.mark("write: event batches")
        let events = try events()
        var plan = plan
        plan.add(events)
        let featureInsert = try db.makeStatement(sql: "INSERT INTO features (feature_key, name) VALUES (?, ?)")
        for (offset, feature) in plan.newFeatures.enumerated() {
            try reportingDuplicates(feature.name, column: "feature", entity: "feature", at: feature.source) {
                try featureInsert.execute(arguments: [plan.base.features + offset, feature.name])
            }
        }
        let rowsJSON = "{" + plan.rowsByFile.map { "\"\($0.file)\":\($0.rows)" }.joined(separator: ",") + "}"
        try db.execute(sql: "UPDATE ingests SET finished_at = ?, rows_json = ? WHERE ingest_id = ?",
                       arguments: [Int64(Date().timeIntervalSince1970), rowsJSON, ingestID])
        clock.mark("write: features and the ingest")
        return (plan, stored)
    }

    /// Inserts each record, or updates every column of the stored row
    /// with its key (`ON CONFLICT (key) DO UPDATE`), through one statement
    /// bound straight (``RawInsert``): GRDB's Codable record insert took
    /// 5.5 s for the 360,000 accounts and users of a 100 M-event dataset,
    /// its boxed `StatementArguments` 2.7 s.
    private static func save<R: EntityRecord>(_ upserts: [Upsert<R>], id: KeyPath<R, String>, column: String, entity: String,
                                              _ db: Database) throws {
        let columns = R.insertColumns
        var row = try RawInsert(db, cached: "INSERT INTO \(R.databaseTableName) (\(columns.joined(separator: ", "))) VALUES "
            + "(\(Array(repeating: "?", count: columns.count).joined(separator: ", "))) ON CONFLICT (\(columns[0])) DO UPDATE SET "
            + columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        for upsert in upserts {
            try reportingDuplicates(upsert.record[keyPath: id], column: column, entity: entity, at: upsert.source) {
                upsert.record.bind(&row)
                try row.run(db)
            }
        }
    }

    /// Runs `write`; a UNIQUE constraint that fails becomes the row's
    /// `file:line` error naming the id. Ids that differ in memory can be
    /// the same to the store: SQLite keeps text up to its first NUL byte.
    private static func reportingDuplicates(_ id: String, column: String, entity: String, at source: SourceRow,
                                            _ write: () throws -> Void) throws {
        do {
            try write()
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.badInput(file: source.file, line: source.line, message: duplicateMessage(id: id, column: column, entity: entity))
        }
    }

    static func duplicateMessage(id: String, column: String, entity: String) -> String {
        guard let nul = id.firstIndex(of: "\0") else {
            return "\(column) \(shown(id)) is already another \(entity)'s id in the store"
        }
        return "\(column) \(shown(id)) holds a NUL byte; the store keeps text up to it, as \(shown(String(id[..<nul]))), "
            + "which is already another \(entity)'s id: remove the NUL byte and run the ingest again"
    }

    /// `id` in quotes, its control characters visible (`\0`, `\u{1B}`).
    static func shown(_ id: String) -> String {
        var text = "\""
        for scalar in id.unicodeScalars {
            switch scalar.value {
            case 0: text += "\\0"
            case 0 ..< 0x20, 0x7F: text += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    /// Each batch's row, then its column segments.
    static func writeBatches(_ batches: [EncodedBatch], ingestID: Int64, _ db: Database) throws {
        var inserter = try BatchInserter(db)
        for batch in batches { try inserter.insert(batch, ingestID: ingestID, db) }
    }

    /// MRR changes, payments and feedback, appended in file order, bound
    /// straight (a 100 M-event dataset has 765,000 of them: 3 s through
    /// GRDB's arguments).
    private static func writeLogs(_ plan: IngestPlan, _ db: Database) throws {
        var mrr = try RawInsert(db, cached: "INSERT INTO mrr_changes (account_key, day, mrr_cents) VALUES (?, ?, ?)")
        for row in plan.mrrChanges {
            mrr.bind(row.accountKey)
            mrr.bind(row.day)
            mrr.bind(row.mrrCents)
            try mrr.run(db)
        }
        var payment = try RawInsert(db, cached: "INSERT INTO payments (account_key, ts, invoice_id, amount_cents, status) VALUES (?, ?, ?, ?, ?)")
        for row in plan.payments {
            payment.bind(row.accountKey)
            payment.bind(row.ts)
            payment.bind(row.invoiceID)
            payment.bind(row.amountCents)
            payment.bind(row.status.rawValue)
            try payment.run(db)
        }
        var feedback = try RawInsert(db, cached: "INSERT INTO feedback (account_key, user_key, ts, score, comment) VALUES (?, ?, ?, ?, ?)")
        for row in plan.feedback {
            feedback.bind(row.accountKey)
            feedback.bind(row.userKey)
            feedback.bind(row.ts)
            feedback.bind(row.score)
            feedback.bind(row.comment)
            try feedback.run(db)
        }
    }
}

/// An entity record's row as an INSERT binds it (the values GRDB's
/// Codable encoding stores: Bool as 0/1, an enum as its raw value, nil as
/// NULL), its dense key first.
protocol EntityRecord: TableRecord {
    /// Every column of the table, the key first, in ``bind(_:)`` order.
    static var insertColumns: [String] { get }
    func bind(_ row: inout RawInsert)
}

extension AgencyRecord: EntityRecord {
    static let insertColumns = ["agency_key", "agency_id", "name"]
    func bind(_ row: inout RawInsert) {
        row.bind(key)
        row.bind(agencyID)
        row.bind(name)
    }
}

extension AccountRecord: EntityRecord {
    static let insertColumns = ["account_key", "account_id", "agency_key", "name", "plan", "seats", "created_at", "renewal_day",
                                "owner_email", "tracked", "priority"]
    func bind(_ row: inout RawInsert) {
        row.bind(key)
        row.bind(accountID)
        row.bind(agencyKey)
        row.bind(name)
        row.bind(plan)
        row.bind(seats)
        row.bind(createdAt)
        row.bind(renewalDay)
        row.bind(ownerEmail)
        row.bind(tracked)
        row.bind(priority.rawValue)
    }
}

extension UserRecord: EntityRecord {
    static let insertColumns = ["user_key", "user_id", "account_key", "email", "name", "role", "created_at", "key_user"]
    func bind(_ row: inout RawInsert) {
        row.bind(key)
        row.bind(userID)
        row.bind(accountKey)
        row.bind(email)
        row.bind(name)
        row.bind(role)
        row.bind(createdAt)
        row.bind(keyUser)
    }
}

extension WorkflowRecord: EntityRecord {
    static let insertColumns = ["workflow_key", "workflow_id", "agency_key", "name", "webhook_url"]
    func bind(_ row: inout RawInsert) {
        row.bind(key)
        row.bind(workflowID)
        row.bind(agencyKey)
        row.bind(name)
        row.bind(webhookURL)
    }
}

extension EntityCounts {
    /// The counts of the stored entity tables.
    init(_ db: Database) throws {
        func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
        agencies = try count("agencies")
        accounts = try count("accounts")
        users = try count("users")
        workflows = try count("workflows")
        features = try count("features")
    }
}

/// Stores event batches: a batch's row in `event_batches`, then its
/// segments, through statements prepared once and bound straight.
struct BatchInserter {
    private var batchRow: RawInsert
    private var segmentRow: RawInsert

    init(_ db: Database) throws {
        batchRow = try RawInsert(db, cached: """
            INSERT INTO event_batches (ingest_id, kind, row_count, partition_count, min_ts, max_ts, raw_bytes, stored_bytes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        segmentRow = try RawInsert(db, cached: "INSERT INTO event_segments (batch_id, column_name, piece, bytes) VALUES (?, ?, ?, ?)")
    }

    mutating func insert(_ batch: EncodedBatch, ingestID: Int64, _ db: Database) throws {
        batchRow.bind(ingestID)
        batchRow.bind(batch.kind.rawValue)
        batchRow.bind(batch.rowCount)
        batchRow.bind(batch.partitionCount)
        batchRow.bind(batch.minTs)
        batchRow.bind(batch.maxTs)
        batchRow.bind(batch.rawBytes)
        batchRow.bind(batch.storedBytes)
        try batchRow.run(db)
        let batchID = db.lastInsertedRowID
        for segment in batch.segments {
            segmentRow.bind(batchID)
            segmentRow.bind(segment.column)
            segmentRow.bind(segment.piece)
            segmentRow.bind(segment.bytes)
            try segmentRow.run(db)
        }
    }
}

/// Starts the kernel writing the store's new pages to the disk while the
/// ingest goes on, every 32 MB of segments stored (Linux's
/// `sync_file_range`, which does not wait). Without it a first ingest at
/// 100 M events left its 500 MB to the final `fsync`: 0.2 s at the end,
/// the cores idle; with it that `fsync` takes 0.02 s. Best effort: a file
/// it cannot open is skipped.
struct Writeback {
    static let every = 32 << 20
    /// The store's file and its write-ahead log (where a WAL store's pages go).
    private let paths: [String]
    private var pending = 0

    init(_ db: Database) {
        let path = sqlite3_db_filename(db.sqliteConnection, "main").map { String(cString: $0) } ?? ""
        paths = path.isEmpty ? [] : [path, path + "-wal"]
    }

    mutating func stored(_ bytes: Int) {
        pending += bytes
        guard pending >= Self.every else { return }
        pending = 0
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            _ = vitals_start_writeback(fd)
            _ = close(fd)
        }
    }
}
