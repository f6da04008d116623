import Foundation
import GRDB

/// Where an agency's alerts go.
public struct AlertTarget: Sendable, Equatable {
    public var targetID: String
    public var agencyKey: Int
    /// `webhook` (JSON) or `slack` (a Slack-compatible incoming webhook: `{"text": …}`).
    public var kind: String
    public var url: String
    /// The events it takes: `cta.opened`, `cta.closed`, `feedback.requested`.
    public var events: [String]
    public var createdAt: Int64
    public var removedAt: Int64?

    public init(targetID: String, agencyKey: Int, kind: String, url: String, events: [String], createdAt: Int64, removedAt: Int64? = nil) {
        self.targetID = targetID
        self.agencyKey = agencyKey
        self.kind = kind
        self.url = url
        self.events = events
        self.createdAt = createdAt
        self.removedAt = removedAt
    }
}

/// One message to one target, written in the transaction of the change it tells about.
public struct OutboxMessage: Sendable, Equatable {
    /// Also the Idempotency-Key the receiver sees on every attempt.
    public var deliveryID: String
    public var agencyKey: Int
    public var targetID: String
    public var event: String
    /// The CTA or feedback request it is about.
    public var subjectID: String
    public var url: String
    public var body: String
    public var createdAt: Int64

    public init(deliveryID: String, agencyKey: Int, targetID: String, event: String, subjectID: String, url: String, body: String,
                createdAt: Int64) {
        self.deliveryID = deliveryID
        self.agencyKey = agencyKey
        self.targetID = targetID
        self.event = event
        self.subjectID = subjectID
        self.url = url
        self.body = body
        self.createdAt = createdAt
    }
}

/// Where a message stands.
public struct OutboxDelivery: Sendable, Equatable {
    public var deliveryID: String
    public var targetID: String
    public var event: String
    public var subjectID: String
    /// pending, delivered or failed.
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var createdAt: Int64
    public var deliveredAt: Int64?
}

/// A feedback request as stored: who asked, for which account, to whom.
public struct FeedbackRequestRecord: Sendable, Equatable {
    public var requestID: String
    public var accountKey: Int
    public var requestedBy: String
    /// Seconds since 1970.
    public var requestedAt: Int64
    /// The users it goes to.
    public var recipients: [Int]
}

extension Store {
    /// Registers an alert target.
    public func addAlertTarget(_ target: AlertTarget) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO alert_targets (target_id, agency_key, kind, url, events, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [target.targetID, target.agencyKey, target.kind, target.url, target.events.joined(separator: " "),
                                 target.createdAt])
        }
    }

    /// Every agency's alert targets that are not removed, oldest first, by agency key.
    public func alertTargetsByAgency() throws(StoreError) -> [Int: [AlertTarget]] {
        try read { db in
            try Dictionary(grouping: OutboxSQL.targets(agencyKey: nil, event: nil, includeRemoved: false, db), by: \.agencyKey)
        }
    }

    /// The agency's alert targets, oldest first (removed ones only when asked).
    public func alertTargets(agencyKey: Int, includeRemoved: Bool = false) throws(StoreError) -> [AlertTarget] {
        try read { try OutboxSQL.targets(agencyKey: agencyKey, event: nil, includeRemoved: includeRemoved, $0) }
    }

    /// Removes a target (its pending messages are not sent); false when it is not the agency's or already removed.
    @discardableResult
    public func removeAlertTarget(_ id: String, agencyKey: Int, now: Int64) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE alert_targets SET removed_at = ? WHERE target_id = ? AND agency_key = ? AND removed_at IS NULL",
                           arguments: [now, id, agencyKey])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: """
                UPDATE outbox SET status = 'failed', last_error = 'target removed', next_attempt_at = NULL
                WHERE target_id = ? AND status = 'pending'
                """, arguments: [id])
            return true
        }
    }

    /// The messages about these subjects (or all of the agency's, newest first).
    public func outboxDeliveries(agencyKey: Int, subjectIDs: [String]? = nil, limit: Int = 1000) throws(StoreError) -> [OutboxDelivery] {
        try read { db in
            var sql = "SELECT * FROM outbox WHERE agency_key = ?"
            var arguments: StatementArguments = [agencyKey]
            if let subjectIDs {
                guard !subjectIDs.isEmpty else { return [] }
                sql += " AND subject_id IN (" + subjectIDs.map { _ in "?" }.joined(separator: ", ") + ")"
                arguments += StatementArguments(subjectIDs)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY created_at DESC, rowid DESC LIMIT ?", arguments: arguments + [limit]).map {
                OutboxDelivery(deliveryID: $0["delivery_id"], targetID: $0["target_id"], event: $0["event"], subjectID: $0["subject_id"],
                               status: $0["status"], attempts: $0["attempts"], lastError: $0["last_error"], createdAt: $0["created_at"],
                               deliveredAt: $0["delivered_at"])
            }
        }
    }

    /// Messages and workflow runs still to be delivered.
    public func pendingDeliveries() throws(StoreError) -> Int {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE status = 'pending'") ?? 0)
                + (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM workflow_runs WHERE status = 'pending'") ?? 0)
        }
    }

    /// The agency's feedback requests, newest first, optionally of one account.
    public func feedbackRequests(agencyKey: Int, accountKey: Int? = nil) throws(StoreError) -> [FeedbackRequestRecord] {
        try read { db in
            var sql = "SELECT request_id, account_key, requested_by, requested_at FROM feedback_requests WHERE agency_key = ?"
            var arguments: StatementArguments = [agencyKey]
            if let accountKey {
                sql += " AND account_key = ?"
                arguments += [accountKey]
            }
            var requests = try Row.fetchAll(db, sql: sql + " ORDER BY requested_at DESC, rowid DESC", arguments: arguments).map {
                FeedbackRequestRecord(requestID: $0[0], accountKey: $0[1], requestedBy: $0[2], requestedAt: $0[3], recipients: [])
            }
            let positions = Dictionary(uniqueKeysWithValues: requests.enumerated().map { ($1.requestID, $0) })
            for row in try Row.fetchAll(db, sql: """
                SELECT r.request_id, r.user_key FROM feedback_recipients r JOIN feedback_requests f USING (request_id)
                WHERE f.agency_key = ? ORDER BY r.request_id, r.user_key
                """, arguments: [agencyKey]) {
                if let position = positions[row[0]] { requests[position].recipients.append(row[1]) }
            }
            return requests
        }
    }
}

extension WriteTransaction {
    /// The agency's active targets that take `event`.
    public func alertTargets(agencyKey: Int, event: String) throws -> [AlertTarget] {
        try OutboxSQL.targets(agencyKey: agencyKey, event: event, includeRemoved: false, db)
    }

    /// Puts a message in the outbox, due at once.
    public func enqueue(_ message: OutboxMessage) throws {
        try execute(cached: """
            INSERT INTO outbox (delivery_id, agency_key, target_id, event, subject_id, url, body, status, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
            """, arguments: [message.deliveryID, message.agencyKey, message.targetID, message.event, message.subjectID, message.url,
                             message.body, message.createdAt * 1000, message.createdAt])
    }
}

enum OutboxSQL {
    /// One agency's targets, or every agency's (`agencyKey` nil).
    static func targets(agencyKey: Int?, event: String?, includeRemoved: Bool, _ db: Database) throws -> [AlertTarget] {
        let sql = "SELECT * FROM alert_targets WHERE (agency_key = ? OR ? IS NULL)" + (includeRemoved ? "" : " AND removed_at IS NULL")
            + " ORDER BY created_at, target_id"
        // Cached: a playbook night asks once per CTA it opens.
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [agencyKey, agencyKey]).map {
            AlertTarget(targetID: $0["target_id"], agencyKey: $0["agency_key"], kind: $0["kind"], url: $0["url"],
                        events: ($0["events"] as String).split(separator: " ").map(String.init), createdAt: $0["created_at"],
                        removedAt: $0["removed_at"])
        }.filter { event == nil || $0.events.contains(event!) }
    }
}
