import Foundation
import GRDB
import VitalsColumnar

/// Reads a dataset directory (the CSV contract of DESIGN.md) into a store.
///
/// An ingest is incremental (events are appended as a new batch, entities are
/// upserted by id) and atomic: every file is parsed and validated first, and
/// only then is the store written, in one transaction. A bad row stops the
/// ingest with `file:line: what is wrong` and leaves the store untouched.
public enum Ingestor {
    /// Files the ingest reads, in the order it reads them; others are ignored.
    public static let knownFiles = ["agencies.csv", "accounts.csv", "users.csv", "workflows.csv",
                                    "logins.csv", "feature_usage.csv", "mrr.csv", "payments.csv", "feedback.csv"]

    /// Ingests `directory` into the store at `storePath` (created when missing).
    public static func ingest(directory: String, into storePath: String) throws(StoreError) -> IngestSummary {
        let started = DispatchTime.now()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .badDirectory("\(directory): no such directory")
        }
        let entities = Store.exists(at: storePath)
            ? try Store.open(at: storePath, readOnly: true).read { try StoreEntities($0) }
            : StoreEntities()

        let trace = ProcessInfo.processInfo.environment["VITALS_TRACE"] != nil
        func mark(_ what: String) {
            if trace { FileHandle.standardError.write(Data("\(what): \(Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9) s\n".utf8)) }
        }
        var plan = try parse(directory: directory, entities: entities)
        mark("parsed")
        let batches = try [plan.logins.map { ($0, EventKind.login) }, plan.featureUsage.map { ($0, EventKind.featureUsage) }]
            .compactMap { $0 }
            .filter { $0.0.count > 0 }
            .map { (columns, kind) throws(StoreError) in try EventBatchCodec.encode(columns, kind: kind) }
        plan.logins = nil
        plan.featureUsage = nil
        mark("encoded")

        let store = try Store.open(at: storePath, create: true)
        try store.write { db in try write(plan, batches: batches, source: directory, to: db) }
        mark("written")
        try store.checkpoint()
        mark("checkpointed")

        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let eventRows = batches.reduce(0) { $0 + $1.rowCount }
        return IngestSummary(rowsByFile: plan.rowsByFile, eventRows: eventRows, seconds: seconds,
                             rawColumnBytes: batches.reduce(0) { $0 + $1.rawBytes },
                             storedColumnBytes: batches.reduce(0) { $0 + $1.storedBytes })
    }

    // MARK: - Parsing

    static func parse(directory: String, entities: StoreEntities) throws(StoreError) -> IngestPlan {
        var plan = IngestPlan(entities: entities)
        func path(_ name: String) -> String? {
            let path = (directory as NSString).appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        if entities.accounts.isEmpty {
            for required in ["accounts.csv", "users.csv"] where path(required) == nil {
                throw .badDirectory("\(directory): \(required) is required for the first ingest into a store")
            }
        }
        func open(_ name: String) throws(StoreError) -> CSVReader? {
            guard let path = path(name) else { return nil }
            return try openReader(path)
        }
        func run(_ name: String, _ body: (CSVReader) throws(StoreError) -> Void) throws(StoreError) {
            guard let reader = try open(name) else { return }
            try body(reader)
            plan.rowsByFile.append((name, reader.rowsRead))
        }
        let hasAgencyFile = path("agencies.csv") != nil
        try run("agencies.csv") { reader throws(StoreError) in try parseAgencies(reader, into: &plan) }
        try run("accounts.csv") { reader throws(StoreError) in try parseAccounts(reader, into: &plan, createAgencies: !hasAgencyFile) }
        try run("users.csv") { reader throws(StoreError) in try parseUsers(reader, into: &plan) }
        try run("workflows.csv") { reader throws(StoreError) in try parseWorkflows(reader, into: &plan) }
        // The two event files are parsed at once, one core each.
        let accounts = plan.entities.accountKeys, users = plan.entities.userKeys
        let knownFeatures = plan.entities.featureKeys
        let eventFiles: [(name: String, kind: EventKind, path: String?)] = [
            ("logins.csv", .login, path("logins.csv")), ("feature_usage.csv", .featureUsage, path("feature_usage.csv")),
        ]
        let parsed = parallelMap(eventFiles.count) { index -> Result<ParsedEvents?, StoreError> in
            let file = eventFiles[index]
            guard let path = file.path else { return .success(nil) }
            do throws(StoreError) {
                let reader = try openReader(path)
                var features = knownFeatures
                let columns = try EventParsing.parse(reader, kind: file.kind, accounts: accounts, users: users, features: &features)
                return .success(ParsedEvents(columns: columns, features: features, rows: reader.rowsRead))
            } catch {
                return .failure(error)
            }
        }
        for (file, result) in zip(eventFiles, parsed) {
            guard let events = try result.get() else { continue }
            plan.rowsByFile.append((file.name, events.rows))
            if file.kind == EventKind.login {
                plan.logins = events.columns
            } else {
                plan.featureUsage = events.columns
                plan.entities.featureKeys = events.features
            }
        }
        plan.newFeatures = (knownFeatures.count ..< plan.entities.featureKeys.count).map { plan.entities.featureKeys.key(UInt32($0)) }
        plan.entities.features += plan.newFeatures
        try run("mrr.csv") { reader throws(StoreError) in try parseMRR(reader, into: &plan) }
        try run("payments.csv") { reader throws(StoreError) in try parsePayments(reader, into: &plan) }
        try run("feedback.csv") { reader throws(StoreError) in try parseFeedback(reader, into: &plan) }
        return plan
    }

    static func parseAgencies(_ reader: CSVReader, into plan: inout IngestPlan) throws(StoreError) {
        let idColumn = try required(reader, "agency_id")
        let nameColumn = reader.columnIndex("name")
        var changed: [Int: AgencyRecord] = [:]
        while try next(reader) {
            let id = try reader.identifier(idColumn, column: "agency_id")
            let existing = plan.entities.agencyKeys.code(of: id).map { plan.entities.agencies[Int($0)] }
            let record = AgencyRecord(key: existing?.key ?? plan.entities.agencies.count, agencyID: id,
                                      name: reader.text(nameColumn, fallback: existing?.name ?? id))
            upsert(record, key: record.key, into: &plan.entities.agencies, dictionary: &plan.entities.agencyKeys, id: id)
            changed[record.key] = record
        }
        plan.changedAgencies = changed.values.sorted { $0.key < $1.key }
    }

    static func parseAccounts(_ reader: CSVReader, into plan: inout IngestPlan, createAgencies: Bool) throws(StoreError) {
        let idColumn = try required(reader, "account_id"), agencyColumn = try required(reader, "agency_id")
        let c = (name: reader.columnIndex("name"), plan: reader.columnIndex("plan"), seats: reader.columnIndex("seats"),
                 created: reader.columnIndex("created_at"), renewal: reader.columnIndex("renewal_date"),
                 owner: reader.columnIndex("owner_email"), tracked: reader.columnIndex("tracked"),
                 priority: reader.columnIndex("priority"))
        var changed: [Int: AccountRecord] = [:]
        while try next(reader) {
            let id = try reader.identifier(idColumn, column: "account_id")
            let agencyID = try reader.identifier(agencyColumn, column: "agency_id")
            var agencyKey = plan.entities.agencyKeys.code(of: agencyID).map(Int.init)
            if agencyKey == nil && createAgencies {
                let agency = AgencyRecord(key: plan.entities.agencies.count, agencyID: agencyID, name: agencyID)
                upsert(agency, key: agency.key, into: &plan.entities.agencies, dictionary: &plan.entities.agencyKeys, id: agencyID)
                plan.changedAgencies.append(agency)
                agencyKey = agency.key
            }
            guard let agencyKey else {
                throw reader.bad("unknown agency_id \"\(agencyID)\" (not in agencies.csv nor in the store)")
            }
            let existing = plan.entities.accountKeys.code(of: id).map { plan.entities.accounts[Int($0)] }
            var seats = existing?.seats
            if let column = c.seats { seats = try reader.optionalInteger(column, column: "seats").map { Int($0) } }
            var createdAt = existing?.createdAt
            if let column = c.created { createdAt = try reader.optionalTimestamp(column, column: "created_at") }
            var renewal = existing?.renewalDay
            if let column = c.renewal { renewal = try reader.optionalDate(column, column: "renewal_date") }
            var priority = existing?.priority ?? .normal
            if let column = c.priority, !reader.string(column).isEmpty {
                guard let value = AccountPriority(rawValue: reader.string(column).lowercased()) else {
                    throw reader.bad("priority must be low, normal or high, got \(reader.quoted(column))")
                }
                priority = value
            }
            let record = AccountRecord(
                key: existing?.key ?? plan.entities.accounts.count, accountID: id, agencyKey: agencyKey,
                name: reader.text(c.name, fallback: existing?.name ?? id), plan: reader.text(c.plan, fallback: existing?.plan ?? ""),
                seats: seats, createdAt: createdAt, renewalDay: renewal,
                ownerEmail: reader.text(c.owner, fallback: existing?.ownerEmail ?? ""),
                tracked: try reader.boolean(c.tracked, column: "tracked", fallback: existing?.tracked ?? true),
                priority: priority)
            upsert(record, key: record.key, into: &plan.entities.accounts, dictionary: &plan.entities.accountKeys, id: id)
            changed[record.key] = record
        }
        plan.changedAccounts = changed.values.sorted { $0.key < $1.key }
    }

    static func parseUsers(_ reader: CSVReader, into plan: inout IngestPlan) throws(StoreError) {
        let idColumn = try required(reader, "user_id"), accountColumn = try required(reader, "account_id")
        let c = (email: reader.columnIndex("email"), name: reader.columnIndex("name"), role: reader.columnIndex("role"),
                 created: reader.columnIndex("created_at"), key: reader.columnIndex("key_user"))
        var changed: [Int: UserRecord] = [:]
        while try next(reader) {
            let id = try reader.identifier(idColumn, column: "user_id")
            let accountKey = try knownAccount(reader, accountColumn, plan)
            let existing = plan.entities.userKeys.code(of: id).map { plan.entities.users[Int($0)] }
            var createdAt = existing?.createdAt
            if let column = c.created { createdAt = try reader.optionalTimestamp(column, column: "created_at") }
            let record = UserRecord(
                key: existing?.key ?? plan.entities.users.count, userID: id, accountKey: accountKey,
                email: reader.text(c.email, fallback: existing?.email ?? ""), name: reader.text(c.name, fallback: existing?.name ?? ""),
                role: reader.text(c.role, fallback: existing?.role ?? ""), createdAt: createdAt,
                keyUser: try reader.boolean(c.key, column: "key_user", fallback: existing?.keyUser ?? false))
            upsert(record, key: record.key, into: &plan.entities.users, dictionary: &plan.entities.userKeys, id: id)
            changed[record.key] = record
        }
        plan.changedUsers = changed.values.sorted { $0.key < $1.key }
    }

    static func parseWorkflows(_ reader: CSVReader, into plan: inout IngestPlan) throws(StoreError) {
        let idColumn = try required(reader, "workflow_id"), agencyColumn = try required(reader, "agency_id")
        let nameColumn = reader.columnIndex("name"), hookColumn = reader.columnIndex("webhook_url")
        var changed: [Int: WorkflowRecord] = [:]
        while try next(reader) {
            let id = try reader.identifier(idColumn, column: "workflow_id")
            let agencyID = try reader.identifier(agencyColumn, column: "agency_id")
            guard let agencyKey = plan.entities.agencyKeys.code(of: agencyID) else {
                throw reader.bad("unknown agency_id \"\(agencyID)\" (not in agencies.csv nor in the store)")
            }
            let existing = plan.entities.workflowKeys.code(of: id).map { plan.entities.workflows[Int($0)] }
            let hook = reader.text(hookColumn, fallback: existing?.webhookURL ?? "")
            let record = WorkflowRecord(key: existing?.key ?? plan.entities.workflows.count, workflowID: id, agencyKey: Int(agencyKey),
                                        name: reader.text(nameColumn, fallback: existing?.name ?? id),
                                        webhookURL: hook.isEmpty ? nil : hook)
            upsert(record, key: record.key, into: &plan.entities.workflows, dictionary: &plan.entities.workflowKeys, id: id)
            changed[record.key] = record
        }
        plan.changedWorkflows = changed.values.sorted { $0.key < $1.key }
    }

    static func parseMRR(_ reader: CSVReader, into plan: inout IngestPlan) throws(StoreError) {
        let dateColumn = try required(reader, "date"), accountColumn = try required(reader, "account_id")
        let mrrColumn = try required(reader, "mrr_cents")
        while try next(reader) {
            let day = try reader.date(dateColumn, column: "date")
            let account = try knownAccount(reader, accountColumn, plan)
            let cents = try reader.integer(mrrColumn, column: "mrr_cents")
            if cents < 0 { throw reader.bad("mrr_cents must be ≥ 0, got \(cents)") }
            plan.mrrChanges.append(MRRChange(accountKey: account, day: day, mrrCents: cents))
        }
    }

    static func parsePayments(_ reader: CSVReader, into plan: inout IngestPlan) throws(StoreError) {
        let c = (ts: try required(reader, "ts"), account: try required(reader, "account_id"),
                 invoice: try required(reader, "invoice_id"), amount: try required(reader, "amount_cents"),
                 status: try required(reader, "status"))
        while try next(reader) {
            let ts = try reader.timestamp(c.ts, column: "ts")
            let account = try knownAccount(reader, c.account, plan)
            let invoice = try reader.identifier(c.invoice, column: "invoice_id")
            let amount = try reader.integer(c.amount, column: "amount_cents")
            guard let status = PaymentStatus(rawValue: reader.string(c.status).lowercased()) else {
                throw reader.bad("status must be succeeded, failed or refunded, got \(reader.quoted(c.status))")
            }
            plan.payments.append(Payment(accountKey: account, ts: ts, invoiceID: invoice, amountCents: amount, status: status))
        }
    }

    static func parseFeedback(_ reader: CSVReader, into plan: inout IngestPlan) throws(StoreError) {
        let c = (ts: try required(reader, "ts"), account: try required(reader, "account_id"),
                 user: reader.columnIndex("user_id"), score: try required(reader, "score"), comment: reader.columnIndex("comment"))
        while try next(reader) {
            let ts = try reader.timestamp(c.ts, column: "ts")
            let account = try knownAccount(reader, c.account, plan)
            var userKey: Int?
            if let column = c.user, !reader.string(column).isEmpty {
                guard let key = plan.entities.userKeys.code(of: reader.field(column)) else {
                    throw reader.bad("unknown user_id \(reader.quoted(column)) (not in users.csv nor in the store)")
                }
                userKey = Int(key)
            }
            let score = try reader.integer(c.score, column: "score")
            guard (0 ... 10).contains(score) else { throw reader.bad("score must be an NPS score 0–10, got \(score)") }
            plan.feedback.append(FeedbackResponse(accountKey: account, userKey: userKey, ts: ts, score: Int(score),
                                                  comment: reader.text(c.comment)))
        }
    }

    // MARK: - Helpers

    /// One event file's columns, with the feature dictionary it grew.
    struct ParsedEvents: Sendable {
        var columns: EventColumns
        var features: ByteStringDictionary
        var rows: Int
    }

    static func openReader(_ path: String) throws(StoreError) -> CSVReader {
        do { return try CSVReader(path: path) } catch { throw .badInput(file: error.file, line: error.line, message: error.message) }
    }

    static func next(_ reader: CSVReader) throws(StoreError) -> Bool {
        do { return try reader.next() } catch { throw .badInput(file: error.file, line: error.line, message: error.message) }
    }

    static func required(_ reader: CSVReader, _ column: String) throws(StoreError) -> Int {
        do { return try reader.requiredColumn(column) } catch { throw .badInput(file: error.file, line: error.line, message: error.message) }
    }

    static func knownAccount(_ reader: CSVReader, _ column: Int, _ plan: IngestPlan) throws(StoreError) -> Int {
        guard let key = plan.entities.accountKeys.code(of: reader.field(column)) else {
            if reader.field(column).count == 0 { throw reader.bad("empty account_id") }
            throw reader.bad("unknown account_id \(reader.quoted(column)) (not in accounts.csv nor in the store)")
        }
        return Int(key)
    }

    static func upsert<R>(_ record: R, key: Int, into table: inout [R], dictionary: inout ByteStringDictionary, id: String) {
        if key < table.count {
            table[key] = record
        } else {
            table.append(record)
            dictionary.insert(id)
        }
    }

    // MARK: - Writing

    static func write(_ plan: IngestPlan, batches: [EncodedBatch], source: String, to db: Database) throws {
        let current = try ["agencies", "accounts", "users", "workflows", "features"].map { table in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
        }
        guard current == plan.baseCounts else {
            throw StoreError.concurrentWrite("the store was changed by another writer while this ingest was parsing; nothing was written, run it again")
        }
        try Store.bumpDataVersion(db)
        // Keys below the stored count exist already: update those, insert the rest.
        for record in plan.changedAgencies { try record.key < plan.baseCounts[0] ? record.update(db) : record.insert(db) }
        for record in plan.changedAccounts { try record.key < plan.baseCounts[1] ? record.update(db) : record.insert(db) }
        for record in plan.changedUsers { try record.key < plan.baseCounts[2] ? record.update(db) : record.insert(db) }
        for record in plan.changedWorkflows { try record.key < plan.baseCounts[3] ? record.update(db) : record.insert(db) }
        let featureInsert = try db.makeStatement(sql: "INSERT INTO features (feature_key, name) VALUES (?, ?)")
        for (offset, name) in plan.newFeatures.enumerated() {
            try featureInsert.execute(arguments: [plan.baseCounts[4] + offset, name])
        }
        let rowsJSON = "{" + plan.rowsByFile.map { "\"\($0.file)\":\($0.rows)" }.joined(separator: ",") + "}"
        try db.execute(sql: "INSERT INTO ingests (finished_at, source, rows_json) VALUES (?, ?, ?)",
                       arguments: [Int64(Date().timeIntervalSince1970), source, rowsJSON])
        let ingestID = db.lastInsertedRowID
        let batchInsert = try db.makeStatement(sql: """
            INSERT INTO event_batches (ingest_id, kind, row_count, partition_count, min_ts, max_ts, raw_bytes, stored_bytes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let segmentInsert = try db.makeStatement(sql: "INSERT INTO event_segments (batch_id, column_name, piece, bytes) VALUES (?, ?, ?, ?)")
        for batch in batches {
            try batchInsert.execute(arguments: [ingestID, batch.kind.rawValue, batch.rowCount, batch.partitionCount,
                                                batch.minTs, batch.maxTs, batch.rawBytes, batch.storedBytes])
            let batchID = db.lastInsertedRowID
            for segment in batch.segments {
                try segmentInsert.execute(arguments: [batchID, segment.column, segment.piece, Data(segment.bytes)])
            }
        }
        let mrrInsert = try db.makeStatement(sql: "INSERT INTO mrr_changes (account_key, day, mrr_cents) VALUES (?, ?, ?)")
        for row in plan.mrrChanges { try mrrInsert.execute(arguments: [row.accountKey, row.day, row.mrrCents]) }
        let paymentInsert = try db.makeStatement(sql: "INSERT INTO payments (account_key, ts, invoice_id, amount_cents, status) VALUES (?, ?, ?, ?, ?)")
        for row in plan.payments {
            try paymentInsert.execute(arguments: [row.accountKey, row.ts, row.invoiceID, row.amountCents, row.status.rawValue])
        }
        let feedbackInsert = try db.makeStatement(sql: "INSERT INTO feedback (account_key, user_key, ts, score, comment) VALUES (?, ?, ?, ?, ?)")
        for row in plan.feedback {
            try feedbackInsert.execute(arguments: [row.accountKey, row.userKey, row.ts, row.score, row.comment])
        }
    }
}
