import Foundation
import GRDB

/// One audit log line: a tool call or a credential event.
public struct AuditEntry: Sendable, Equatable {
    public var atMilliseconds: Int64
    public var agencyKey: Int?
    /// Who: an API key id (later an OAuth client), or `cli`.
    public var client: String
    /// The tool name, or an event such as `token.revoke`.
    public var action: String
    public var accountID: String?
    /// The work object the change touched (`cta_…`, `tsk_…`, `pln_…`, `act_…`), if any.
    public var objectID: String?
    /// `ok`, or the error the caller got.
    public var outcome: String
    public var durationMilliseconds: Double?

    public init(atMilliseconds: Int64 = Int64(Date().timeIntervalSince1970 * 1000), agencyKey: Int?, client: String, action: String,
                accountID: String? = nil, objectID: String? = nil, outcome: String, durationMilliseconds: Double? = nil) {
        self.atMilliseconds = atMilliseconds
        self.agencyKey = agencyKey
        self.client = client
        self.action = action
        self.accountID = accountID
        self.objectID = objectID
        self.outcome = outcome
        self.durationMilliseconds = durationMilliseconds
    }
}

/// A trigger_workflow run as stored.
public struct WorkflowRun: Sendable, Equatable {
    public var runID: String
    public var workflowID: String
    public var accountID: String
    public var userID: String?
    public var requestedBy: String
    /// Seconds since 1970.
    public var requestedAt: Int64
    /// recorded (no webhook), pending, delivered or failed.
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var deliveredAt: Int64?
}

/// A webhook delivery that is due: what to POST, where, and which outbox it
/// comes from (a trigger_workflow run, or an alert or feedback request).
public struct DueDelivery: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        case workflowRun
        case outbox

        /// The outbox table and its id column.
        var table: (name: String, id: String) {
            switch self {
            case .workflowRun: ("workflow_runs", "run_id")
            case .outbox: ("outbox", "delivery_id")
            }
        }
    }

    /// The run id or the delivery id: the Idempotency-Key.
    public var id: String
    public var origin: Origin
    public var url: String
    public var attempts: Int
    /// The JSON to POST.
    public var body: String
}

extension Store {
    static func insert(_ entry: AuditEntry, _ db: Database) throws {
        var insert = try RawInsert(db, cached: """
            INSERT INTO audit_log (at_ms, agency_key, client, action, account_id, object_id, outcome, duration_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(entry.atMilliseconds)
        insert.bind(entry.agencyKey)
        insert.bind(entry.client)
        insert.bind(entry.action)
        insert.bind(entry.accountID)
        insert.bind(entry.objectID)
        insert.bind(entry.outcome)
        insert.bind(entry.durationMilliseconds)
        try insert.run(db)
    }

    /// Appends audit entries in one transaction.
    public func appendAudit(_ entries: [AuditEntry]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        try write { db in for entry in entries { try Self.insert(entry, db) } }
    }

    /// Audit entries of one agency (or all) since a time, oldest first.
    public func auditEntries(agencyKey: Int? = nil, sinceMilliseconds: Int64 = 0) throws(StoreError) -> [AuditEntry] {
        try read { db in
            var sql = "SELECT at_ms, agency_key, client, action, account_id, object_id, outcome, duration_ms FROM audit_log WHERE at_ms >= ?"
            var arguments: StatementArguments = [sinceMilliseconds]
            if let agencyKey {
                sql += " AND agency_key = ?"
                arguments += [agencyKey]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY entry_id", arguments: arguments).map {
                AuditEntry(atMilliseconds: $0[0], agencyKey: $0[1], client: $0[2], action: $0[3], accountID: $0[4], objectID: $0[5],
                           outcome: $0[6], durationMilliseconds: $0[7])
            }
        }
    }

    /// Deletes audit entries older than `cutoff` (retention); returns how many.
    @discardableResult
    public func purgeAudit(olderThanMilliseconds cutoff: Int64) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM audit_log WHERE at_ms < ?", arguments: [cutoff])
            return db.changesCount
        }
    }

    /// Current priority and key-user flags (the loaded dataset may be a moment behind a write).
    public func accountPriority(accountKey: Int) throws(StoreError) -> AccountPriority? {
        try read { try String.fetchOne($0, sql: "SELECT priority FROM accounts WHERE account_key = ?", arguments: [accountKey]) }
            .flatMap(AccountPriority.init(rawValue:))
    }

    /// Recent runs of an agency's workflows, newest first.
    public func workflowRuns(agencyKey: Int, limit: Int = 20) throws(StoreError) -> [WorkflowRun] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.run_id, w.workflow_id, a.account_id, u.user_id, r.requested_by, r.requested_at, r.status, r.attempts,
                       r.last_error, r.delivered_at
                FROM workflow_runs r JOIN workflows w USING (workflow_key) JOIN accounts a ON a.account_key = r.account_key
                LEFT JOIN users u ON u.user_key = r.user_key
                WHERE r.agency_key = ? ORDER BY r.requested_at DESC, r.run_id LIMIT ?
                """, arguments: [agencyKey, limit]).map {
                WorkflowRun(runID: $0[0], workflowID: $0[1], accountID: $0[2], userID: $0[3], requestedBy: $0[4], requestedAt: $0[5],
                            status: $0[6], attempts: $0[7], lastError: $0[8], deliveredAt: $0[9])
            }
        }
    }

    /// Claims the deliveries due at `now` (ms), from both outboxes: each is
    /// leased (its next attempt pushed `lease` ms out) so that a second
    /// deliverer does not send it at the same time. At-least-once: a crash
    /// mid-send retries later.
    public func claimDueDeliveries(now: Int64, lease: Int64 = 30_000, limit: Int = 16) throws(StoreError) -> [DueDelivery] {
        try write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.run_id, w.webhook_url, r.attempts, w.workflow_id, w.name, g.agency_id, a.account_id, u.user_id,
                       r.requested_by, r.requested_at, u.email, u.name AS user_name, a.owner_email
                FROM workflow_runs r JOIN workflows w USING (workflow_key) JOIN agencies g ON g.agency_key = r.agency_key
                JOIN accounts a ON a.account_key = r.account_key LEFT JOIN users u ON u.user_key = r.user_key
                WHERE r.status = 'pending' AND r.next_attempt_at <= ? ORDER BY r.next_attempt_at LIMIT ?
                """, arguments: [now, limit])
            var due: [DueDelivery] = []
            for row in rows {
                let runID: String = row[0]
                guard let url: String = row[1] else { continue }
                try db.execute(sql: "UPDATE workflow_runs SET next_attempt_at = ? WHERE run_id = ?", arguments: [now + lease, runID])
                var payload: [String: String] = [
                    "run_id": runID, "workflow_id": row[3], "workflow_name": row[4], "agency_id": row[5], "account_id": row[6],
                    "requested_by": row[8], "requested_at": String(row[9] as Int64),
                ]
                // The contact the run is for: the named user, else the account's owner.
                if let user: String = row[7] {
                    payload["user_id"] = user
                    payload["contact_email"] = row[10]
                    payload["contact_name"] = row["user_name"]
                } else {
                    payload["contact_email"] = row["owner_email"]
                }
                let body = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                due.append(DueDelivery(id: runID, origin: .workflowRun, url: url, attempts: row[2], body: body))
            }
            let messages = try Row.fetchAll(db, sql: """
                SELECT delivery_id, url, attempts, body FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                ORDER BY next_attempt_at LIMIT ?
                """, arguments: [now, limit])
            for row in messages {
                try db.execute(sql: "UPDATE outbox SET next_attempt_at = ? WHERE delivery_id = ?", arguments: [now + lease, row[0] as String])
                due.append(DueDelivery(id: row[0], origin: .outbox, url: row[1], attempts: row[2], body: row[3]))
            }
            return due
        }
    }

    /// Marks a delivery done (`now` in seconds).
    public func markDelivered(_ delivery: DueDelivery, now: Int64) throws(StoreError) {
        let table = delivery.origin.table
        try write { db in
            try db.execute(sql: "UPDATE \(table.name) SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, next_attempt_at = NULL, last_error = NULL WHERE \(table.id) = ?",
                           arguments: [now, delivery.id])
        }
    }

    /// Records a failed attempt: retry at `nextAttemptAt` (ms), or give up (`failed`) when nil.
    public func markAttemptFailed(_ delivery: DueDelivery, error: String, nextAttemptAt: Int64?) throws(StoreError) {
        let table = delivery.origin.table
        try write { db in
            try db.execute(sql: """
                UPDATE \(table.name) SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
                    status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END
                WHERE \(table.id) = ?
                """, arguments: [error, nextAttemptAt, nextAttemptAt, delivery.id])
        }
    }
}

extension WriteTransaction {
    /// Records a workflow run (pending delivery when the workflow has a
    /// webhook, else just recorded) and its audit entry.
    public func recordWorkflowRun(runID: String, workflowKey: Int, agencyKey: Int, accountKey: Int, userKey: Int?,
                                  requestedBy: String, now: Int64, hasWebhook: Bool, audit: AuditEntry) throws {
        try db.execute(sql: """
            INSERT INTO workflow_runs (run_id, workflow_key, agency_key, account_key, user_key, requested_by, requested_at, status, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, workflowKey, agencyKey, accountKey, userKey, requestedBy, now,
                             hasWebhook ? "pending" : "recorded", hasWebhook ? now * 1000 : nil])
        try self.audit(audit)
    }

    /// Records a feedback request to some of an account's users (its
    /// recipients), with its audit entry; `ownerEmail` is the account's owner
    /// at the agency, who asked on the client's behalf.
    public func recordFeedbackRequest(requestID: String, agencyKey: Int, accountKey: Int, ownerEmail: String, recipients: [Int],
                                      requestedBy: String, now: Int64, audit: AuditEntry) throws {
        try db.execute(sql: """
            INSERT INTO feedback_requests (request_id, agency_key, account_key, owner_email, requested_by, requested_at, status)
            VALUES (?, ?, ?, ?, ?, ?, 'requested')
            """, arguments: [requestID, agencyKey, accountKey, ownerEmail, requestedBy, now])
        for user in recipients {
            try db.execute(sql: "INSERT INTO feedback_recipients (request_id, user_key) VALUES (?, ?)", arguments: [requestID, user])
        }
        try self.audit(audit)
    }

    /// Sets an account's priority; returns the previous one (equal: nothing changed).
    public func setAccountPriority(accountKey: Int, to priority: AccountPriority, audit: AuditEntry) throws -> AccountPriority {
        let previous = try String.fetchOne(db, sql: "SELECT priority FROM accounts WHERE account_key = ?", arguments: [accountKey])
            .flatMap(AccountPriority.init(rawValue:)) ?? .normal
        if previous != priority {
            try db.execute(sql: "UPDATE accounts SET priority = ? WHERE account_key = ?", arguments: [priority.rawValue, accountKey])
            try Store.recordMetadataChange(agencyOfAccount: accountKey, db)
        }
        try self.audit(audit)
        return previous
    }

    /// Sets a user's key-user flag; returns the previous value.
    public func setUserKeyStatus(userKey: Int, to keyUser: Bool, audit: AuditEntry) throws -> Bool {
        let previous = try Bool.fetchOne(db, sql: "SELECT key_user FROM users WHERE user_key = ?", arguments: [userKey]) ?? false
        if previous != keyUser {
            try db.execute(sql: "UPDATE users SET key_user = ? WHERE user_key = ?", arguments: [keyUser, userKey])
            let account = try Int.fetchOne(db, sql: "SELECT account_key FROM users WHERE user_key = ?", arguments: [userKey]) ?? 0
            try Store.recordMetadataChange(agencyOfAccount: account, db)
        }
        try self.audit(audit)
        return previous
    }
}

extension Store {
    /// The key of an agency id, read from the store (no dataset load).
    public func agencyKey(_ agencyID: String) throws(StoreError) -> Int? {
        try read { try Int.fetchOne($0, sql: "SELECT agency_key FROM agencies WHERE agency_id = ?", arguments: [agencyID]) }
    }

    /// A user as a stored list refers to it: its id, its account's id, its
    /// email and whether it is a key user.
    public struct UserReference: Sendable, Equatable {
        public var userID: String
        public var accountID: String
        public var email: String
        public var keyUser: Bool
    }

    /// One agency's accounts, in key order, read without loading the
    /// dataset: what a stored tracked list's rows are made from again
    /// when read.
    public func accounts(agencyKey: Int) throws(StoreError) -> [AccountRecord] {
        try read { db in try StoreEntities.accounts(db, agencyKey: agencyKey) }
    }

    /// The users of `keys` that the store holds, by key (one statement,
    /// a seek each; no dataset load).
    public func userReferences(_ keys: [Int]) throws(StoreError) -> [Int: UserReference] {
        try read { db in
            var found: [Int: UserReference] = [:]
            found.reserveCapacity(keys.count)
            let list = "[" + keys.map(String.init).joined(separator: ",") + "]"
            try db.forEachRawRow("""
                SELECT u.user_key, u.user_id, a.account_id, u.email, u.key_user
                FROM json_each(?) AS j JOIN users AS u ON u.user_key = j.value JOIN accounts AS a ON a.account_key = u.account_key
                """, arguments: [list]) { row in
                found[row.int(0)] = UserReference(userID: row.string(1), accountID: row.string(2), email: row.string(3), keyUser: row.bool(4))
            }
            return found
        }
    }
}

extension Store {
    /// Marks that the data a loaded snapshot holds has changed (inside a write).
    @discardableResult
    static func bumpDataVersion(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE data_version SET version = version + 1 WHERE id = 1")
        return try dataVersion(db)
    }

    /// The data version as `db` sees it (see ``dataVersion()``).
    static func dataVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT version FROM data_version WHERE id = 1") ?? 0
    }

    /// A priority or key-user change: bumps the data version and records it
    /// as the agency's latest metadata change, so that results materialized
    /// before it are no longer served for that agency (they would show the old
    /// priority or key users) until the next score.
    static func recordMetadataChange(agencyOfAccount accountKey: Int, _ db: Database) throws {
        let version = try bumpDataVersion(db)
        try db.execute(sql: """
            INSERT INTO metadata_changes (agency_key, data_version)
            SELECT agency_key, ? FROM accounts WHERE account_key = ?
            ON CONFLICT(agency_key) DO UPDATE SET data_version = excluded.data_version
            """, arguments: [version, accountKey])
    }

    /// Each agency's latest metadata change, as a data version.
    public func metadataChanges() throws(StoreError) -> [Int: Int64] {
        try read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT agency_key, data_version FROM metadata_changes").map { ($0[0], $0[1]) })
        }
    }

    /// The data version: it changes with every ingest, score run and metadata
    /// write, and with nothing else.
    public func dataVersion() throws(StoreError) -> Int64 {
        try read { try Self.dataVersion($0) }
    }
}
