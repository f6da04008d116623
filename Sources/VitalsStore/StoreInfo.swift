import Foundation
import GRDB

/// What a store holds, read from its tables without loading the events.
public struct StoreInfo: Sendable, Equatable {
    public struct EventSummary: Sendable, Equatable {
        public var rows: Int = 0
        public var batches: Int = 0
        public var minTs: Int64?
        public var maxTs: Int64?
        public var rawBytes: Int = 0
        public var storedBytes: Int = 0
    }

    /// One agency and how many of the store's accounts are its.
    public struct AgencySummary: Sendable, Equatable {
        public var agencyID: String
        public var name: String
        public var accounts: Int
        public var trackedAccounts: Int
    }

    /// The days `vitals score` materialized (``Store/scoreRuns()``), in brief.
    public struct ScoredDays: Sendable, Equatable {
        public var count = 0
        /// The first and last as-of day (days since 1970-01-01); nil: none scored.
        public var firstDay: Int?
        public var lastDay: Int?
        /// Epoch seconds of the latest run.
        public var lastComputedAt: Int64?
    }

    public var agencies = 0
    /// Every agency, in key order.
    public var agencyList: [AgencySummary] = []
    public var scoredDays = ScoredDays()
    public var accounts = 0
    public var trackedAccounts = 0
    public var users = 0
    public var keyUsers = 0
    public var features = 0
    public var workflows = 0
    public var logins = EventSummary()
    public var featureUsage = EventSummary()
    public var mrrChanges = 0
    public var payments = 0
    public var feedback = 0
    public var ingests = 0
    /// The team's work: CTAs open or snoozed, and all; success plans; timeline activities.
    public var openCTAs = 0
    public var ctas = 0
    public var successPlans = 0
    public var activities = 0
    /// Alert targets in use, and messages still to deliver (alerts, feedback requests, workflow runs).
    public var alertTargets = 0
    public var pendingDeliveries = 0
    /// The store file plus its WAL, in bytes.
    public var bytesOnDisk = 0
}

extension Store {
    /// Counts what the store holds.
    public func info() throws(StoreError) -> StoreInfo {
        var info = try read { db in
            var info = StoreInfo()
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            info.agencies = try count("SELECT COUNT(*) FROM agencies")
            info.accounts = try count("SELECT COUNT(*) FROM accounts")
            info.trackedAccounts = try count("SELECT COUNT(*) FROM accounts WHERE tracked")
            info.users = try count("SELECT COUNT(*) FROM users")
            info.keyUsers = try count("SELECT COUNT(*) FROM users WHERE key_user")
            info.features = try count("SELECT COUNT(*) FROM features")
            info.workflows = try count("SELECT COUNT(*) FROM workflows")
            info.mrrChanges = try count("SELECT COUNT(*) FROM mrr_changes")
            info.payments = try count("SELECT COUNT(*) FROM payments")
            info.feedback = try count("SELECT COUNT(*) FROM feedback")
            info.ingests = try count("SELECT COUNT(*) FROM ingests")
            info.ctas = try count("SELECT COUNT(*) FROM ctas")
            info.openCTAs = try count("SELECT COUNT(*) FROM ctas WHERE status <> 'closed'")
            info.successPlans = try count("SELECT COUNT(*) FROM success_plans")
            info.activities = try count("SELECT COUNT(*) FROM activities")
            info.alertTargets = try count("SELECT COUNT(*) FROM alert_targets WHERE removed_at IS NULL")
            info.pendingDeliveries = try count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                + count("SELECT COUNT(*) FROM workflow_runs WHERE status = 'pending'")
            info.agencyList = try Row.fetchAll(db, sql: """
                SELECT g.agency_id, g.name, COUNT(a.account_key), COALESCE(SUM(a.tracked), 0)
                FROM agencies g LEFT JOIN accounts a ON a.agency_key = g.agency_key
                GROUP BY g.agency_key ORDER BY g.agency_key
                """).map { StoreInfo.AgencySummary(agencyID: $0[0], name: $0[1], accounts: $0[2], trackedAccounts: $0[3]) }
            if let runs = try Row.fetchOne(db, sql: "SELECT COUNT(*), MIN(as_of_day), MAX(as_of_day), MAX(computed_at) FROM score_runs") {
                info.scoredDays = StoreInfo.ScoredDays(count: runs[0], firstDay: runs[1], lastDay: runs[2], lastComputedAt: runs[3])
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT kind, SUM(row_count), COUNT(*), MIN(min_ts), MAX(max_ts), SUM(raw_bytes), SUM(stored_bytes)
                FROM event_batches GROUP BY kind
                """)
            for row in rows {
                let summary = StoreInfo.EventSummary(rows: row[1], batches: row[2], minTs: row[3], maxTs: row[4],
                                                     rawBytes: row[5], storedBytes: row[6])
                if (row[0] as String) == EventKind.login.rawValue { info.logins = summary } else { info.featureUsage = summary }
            }
            return info
        }
        for suffix in ["", "-wal"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            info.bytesOnDisk += (attributes?[.size] as? NSNumber)?.intValue ?? 0
        }
        return info
    }
}
