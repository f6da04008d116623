import Foundation
import GRDB
import Testing
@testable import VitalsStore

/// The CTA, task and audit rows a playbook night writes are bound straight
/// into SQLite (``RawInsert``): every value reads back as it was given, an
/// empty text as empty (not NULL), a nil as NULL, and text beyond ASCII
/// byte for byte.
@Suite struct RawInsertTests {
    @Test func ctasTasksAndAuditEntriesReadBackAsWritten() throws {
        let path = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        let store = try Store.open(at: path, create: true)
        try store.write { db in
            try db.execute(sql: "INSERT INTO agencies (agency_key, agency_id, name) VALUES (0, 'ag_1', 'Agency')")
            try db.execute(sql: """
                INSERT INTO accounts (account_key, account_id, agency_key, name, plan, owner_email, tracked, priority)
                VALUES (0, 'acc_1', 0, 'One', 'pro', 'o@example.com', 1, 'normal')
                """)
        }
        let tasks = [
            CTATask(taskID: "tsk_000000000001", ctaID: "cta_00000000000a", position: 0, title: "Call — the owner 📞", ownerEmail: nil,
                    dueDay: 20_800, createdBy: "playbook:r", createdAt: 1_700_000_000),
            CTATask(taskID: "tsk_000000000002", ctaID: "cta_00000000000a", position: 1, title: "", ownerEmail: "o@example.com",
                    dueDay: nil, done: true, doneAt: 1_700_000_100, createdBy: "playbook:r", createdAt: 1_700_000_000),
        ]
        let open = CTA(ctaID: "cta_00000000000a", agencyKey: 0, accountKey: 0, type: "risk", reason: "Health 32.2 puts it \"At Risk\".",
                       priority: "high", ownerEmail: nil, dueDay: 20_797, source: "playbook", ruleID: "entered_at_risk",
                       createdBy: "playbook:entered_at_risk", createdAt: 1_700_000_000, tasks: tasks)
        let closed = CTA(ctaID: "cta_00000000000b", agencyKey: 0, accountKey: 0, type: "other", reason: "", priority: "low",
                         status: "closed", snoozedUntil: 20_790, outcome: "resolved", ownerEmail: "o@example.com", dueDay: nil,
                         source: "manual", ruleID: nil, createdBy: "key:1", createdAt: 1_700_000_000, updatedAt: 1_700_000_500,
                         closedAt: 1_700_000_500, closedDay: 20_791)
        let entry = AuditEntry(atMilliseconds: 1_700_000_000_123, agencyKey: nil, client: "playbook:r", action: "playbook.open",
                               accountID: nil, objectID: "cta_00000000000a", outcome: "ok", durationMilliseconds: 1.5)
        _ = try store.write(idempotency: nil) { transaction in
            try transaction.insert(open)
            try transaction.insert(closed)
            try transaction.audit(entry)
            return ""
        }
        #expect(try store.cta("cta_00000000000a", agencyKey: 0) == open)
        #expect(try store.cta("cta_00000000000b", agencyKey: 0) == closed)
        #expect(try store.auditEntries().filter { $0.action == "playbook.open" } == [entry])
        // Empty text is stored as text, nil as NULL.
        let kinds = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT typeof(reason), typeof(rule_id), typeof(owner_email) FROM ctas WHERE cta_id = 'cta_00000000000b'")!
        }
        #expect(kinds[0] as String == "text" && kinds[1] as String == "null" && kinds[2] as String == "text")
        // A failed row (a duplicate id) fails the transaction, and the statement serves the next one.
        var changed = open
        changed.reason = "changed"
        #expect(throws: (any Error).self) {
            _ = try store.write(idempotency: nil) { transaction in
                try transaction.audit(entry)
                try transaction.insert(changed)
                return ""
            }
        }
        #expect(try store.cta("cta_00000000000a", agencyKey: 0) == open)
        #expect(try store.auditEntries().filter { $0.action == "playbook.open" }.count == 1)
        var third = closed
        third.ctaID = "cta_00000000000c"
        _ = try store.write(idempotency: nil) { transaction in
            try transaction.insert(third)
            return ""
        }
        #expect(try store.cta("cta_00000000000c", agencyKey: 0) == third)
    }
}
