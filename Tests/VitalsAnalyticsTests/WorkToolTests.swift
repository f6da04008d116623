import Foundation
import Testing
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
@testable import VitalsStore
@testable import VitalsTools

/// Issue 13, the CS team's work objects, on ``TriageFixture`` (T = 2026-11-20,
/// acc_drop owned by o1@x.test): what each tool writes, what the reads show,
/// the refusals, idempotent retries and the audit trail.
@Suite(.serialized) struct WorkToolTests {
    let store: Store
    let context: ToolContext

    init() throws {
        store = try Store.open(at: TriageFixture.store())
        context = try ToolContext(store: store)
    }

    func write(_ tool: String, _ arguments: JSONValue, client: String = "key_csm") throws(ToolError) -> JSONValue {
        try WriteTools.call(tool, agencyID: "ag_1", client: client, arguments: arguments, context: context, scopes: Set(Scope.allCases))
    }

    func read(_ tool: String, _ arguments: JSONValue = [:]) throws -> JSONValue {
        try ReadTools.call(tool, agencyID: "ag_1", arguments: arguments, context: context)
    }

    func refusal(_ tool: String, _ arguments: JSONValue) -> String {
        do {
            _ = try write(tool, arguments)
            return "(accepted)"
        } catch {
            return error.message
        }
    }

    static func items(_ result: JSONValue) -> [JSONValue] { result["items"]?.arrayValue ?? [] }

    @Test func aCTAOpensWithTheAccountsDefaultsAndShowsOnTheAccount() throws {
        let cta = try write("create_cta", ["account_id": "acc_drop", "type": "risk", "reason": "Logins fell after the price change",
                                           "tasks": ["Review the drivers", "Call the client"]])
        #expect(cta["status"] == "open")
        #expect(cta["priority"] == "normal")
        #expect(cta["owner_email"] == "o1@x.test")  // the account's owner
        #expect(cta["due_date"] == "2026-11-27")  // T + 7
        #expect(cta["origin"] == "person")
        #expect(cta["created_by"] == "key_csm")
        #expect(cta["tasks_total"] == 2)
        #expect(cta["next_task"] == "Review the drivers")
        #expect(cta["tasks"]?.arrayValue?.map { $0["due_date"] } == ["2026-11-27", "2026-11-27"])

        let listed = try read("list_ctas")
        #expect(Self.items(listed).map { $0["cta_id"] } == [cta["cta_id"]])
        #expect(Self.items(listed).first?["account_name"] != nil)

        let account = try read("get_account", ["account_id": "acc_drop"])
        #expect(account["open_cta_count"] == 1)
        #expect(account["open_ctas"]?.arrayValue?.first?["cta_id"] == cta["cta_id"])
        #expect(account["active_plan"] == .null)
        // Another account shows none.
        #expect(try read("get_account", ["account_id": "acc_renew"])["open_cta_count"] == 0)
    }

    @Test func closingSnoozingAndReopeningSayWhatChanged() throws {
        let id = try #require(try write("create_cta", ["account_id": "acc_drop", "type": "renewal", "reason": "Renews soon"])["cta_id"]?.stringValue)
        let closed = try write("update_cta", ["cta_id": .string(id), "status": "closed"])
        #expect(closed["status"] == "closed")
        #expect(closed["outcome"] == "resolved")  // the default outcome
        #expect(closed["changed"] == ["status", "outcome"])
        #expect(closed["closed_at"] != .null)
        // Closed: other changes wait for a re-open.
        #expect(refusal("update_cta", ["cta_id": .string(id), "priority": "high"]).contains("is closed"))
        // Re-applying the same close changes nothing.
        #expect(try write("update_cta", ["cta_id": .string(id), "status": "closed"])["changed"] == [])
        #expect(Self.items(try read("list_ctas")).isEmpty)
        #expect(Self.items(try read("list_ctas", ["status": "closed"])).count == 1)

        let reopened = try write("update_cta", ["cta_id": .string(id), "status": "open", "priority": "high"])
        #expect(reopened["status"] == "open")
        #expect(reopened["outcome"] == .null)
        #expect(reopened["changed"] == ["status", "outcome", "priority"])

        // A snooze hides it from the open list until its day.
        #expect(refusal("update_cta", ["cta_id": .string(id), "status": "snoozed", "snooze_until": "2026-11-20"]).contains("after as_of"))
        let snoozed = try write("update_cta", ["cta_id": .string(id), "status": "snoozed", "snooze_until": "2026-12-01"])
        #expect(snoozed["status"] == "snoozed")
        #expect(snoozed["snoozed_until"] == "2026-12-01")
        #expect(Self.items(try read("list_ctas")).isEmpty)
        #expect(Self.items(try read("list_ctas", ["status": "snoozed"])).count == 1)
        // On its day it is open again.
        let stored = try #require(try store.cta(id, agencyKey: 0))
        #expect(WorkVocabulary.status(stored, today: CivilTime.parseDate("2026-11-30")!) == "snoozed")
        #expect(WorkVocabulary.status(stored, today: CivilTime.parseDate("2026-12-01")!) == "open")
        // The store's query says the same (list_ctas pages in SQL).
        for (day, status, count) in [("2026-11-30", "open", 0), ("2026-11-30", "snoozed", 1), ("2026-12-01", "open", 1), ("2026-12-01", "snoozed", 0)] {
            let page = try store.ctas(CTAQuery(agencyKey: 0, statusOn: (status, CivilTime.parseDate(day)!)), offset: 0, limit: 10)
            #expect(page.total == count, "\(status) on \(day)")
        }

        #expect(refusal("update_cta", ["cta_id": .string(id)]).hasPrefix("nothing to change"))
        #expect(refusal("update_cta", ["cta_id": .string(id), "outcome": "renewed"]).contains("goes with status \"closed\""))
    }

    @Test func tasksAreAddedAndDoneAndOverdueCountsFromAsOf() throws {
        let cta = try write("create_cta", ["account_id": "acc_drop", "type": "risk", "reason": "Usage drop", "due_date": "2026-11-18"])
        let id = try #require(cta["cta_id"]?.stringValue)
        #expect(cta["overdue"] == true)  // due 2026-11-18 < T
        #expect(Self.items(try read("list_ctas", ["overdue": true])).count == 1)

        let added = try write("add_cta_task", ["cta_id": .string(id), "title": "Send the usage report", "due_date": "2026-11-25"])
        let taskID = try #require(added["task_id"]?.stringValue)
        #expect(added["tasks_total"] == 1)
        #expect(added["tasks"]?.arrayValue?.first?["owner_email"] == "o1@x.test")  // the CTA's owner
        #expect(added["tasks"]?.arrayValue?.first?["overdue"] == false)

        let done = try write("update_cta_task", ["task_id": .string(taskID), "done": true])
        #expect(done["tasks_done"] == 1)
        #expect(done["next_task"] == .null)
        #expect(done["changed"] == ["done"])
        #expect(try write("update_cta_task", ["task_id": .string(taskID), "done": true])["changed"] == [])

        _ = try write("update_cta", ["cta_id": .string(id), "status": "closed", "outcome": "resolved"])
        #expect(refusal("add_cta_task", ["cta_id": .string(id), "title": "Late"]).contains("is closed"))
        #expect(refusal("update_cta_task", ["task_id": "tsk_000000000000", "done": true]).contains("call get_cta"))
    }

    @Test func theTimelineKeepsNotesAgainstAccountsCTAsAndPlans() throws {
        let cta = try write("create_cta", ["account_id": "acc_drop", "type": "risk", "reason": "Usage drop"])
        let ctaID = try #require(cta["cta_id"]?.stringValue)
        let long = String(repeating: "Migrating in January. ", count: 40)  // 880 characters
        let note = try write("log_activity", ["account_id": "acc_drop", "kind": "call", "body": .string(long), "subject": "Call with Dana",
                                              "occurred_on": "2026-11-19", "author_email": "CSM1@Agency.example", "cta_id": .string(ctaID)])
        #expect(note["occurred_at"] == "2026-11-19T12:00:00Z")
        #expect(note["author"] == "csm1@agency.example")
        #expect(note["created_by"] == "key_csm")
        #expect(note["body"]?.stringValue == long)
        _ = try write("log_activity", ["account_id": "acc_drop", "kind": "note", "body": "Second note", "occurred_on": "2026-11-20"])
        _ = try write("log_activity", ["account_id": "acc_renew", "kind": "email", "body": "Renewal quote sent"])

        let timeline = try read("list_timeline_activities", ["account_id": "acc_drop"])
        #expect(Self.items(timeline).map { $0["kind"] } == ["note", "call"])  // newest first
        #expect(Self.items(timeline)[1]["body_truncated"] == true)
        #expect(Self.items(timeline)[1]["body"]?.stringValue?.count == 601)  // 600 and an ellipsis
        let full = try read("list_timeline_activities", ["activity_id": note["activity_id"]!])
        #expect(Self.items(full).first?["body"]?.stringValue == long)
        #expect(Self.items(try read("list_timeline_activities", ["cta_id": .string(ctaID)])).count == 1)
        #expect(try read("get_cta", ["cta_id": .string(ctaID)])["activities"]?.arrayValue?.count == 1)
        #expect(try read("get_account", ["account_id": "acc_drop"])["recent_activities"]?.arrayValue?.count == 2)

        let updated = try write("update_activity", ["activity_id": note["activity_id"]!, "body": "Migrating in February."])
        #expect(updated["changed"] == ["body"])
        #expect(updated["body"] == "Migrating in February.")

        // A note on one account cannot point at another account's CTA.
        #expect(refusal("log_activity", ["account_id": "acc_renew", "kind": "note", "body": "x", "cta_id": .string(ctaID)])
            .contains("is on account acc_drop, not acc_renew"))
        #expect(refusal("log_activity", ["account_id": "acc_drop", "kind": "note", "body": .string(String(repeating: "x", count: 20_001))])
            .contains("at most 20000 characters"))
        #expect(refusal("log_activity", ["account_id": "acc_drop", "kind": "note", "body": "   "]).contains("invalid body"))
        #expect(refusal("log_activity", ["account_id": "acc_drop", "kind": "note", "body": "x", "author_email": "dana"])
            .contains("expected an email address"))
    }

    @Test func successPlansTrackTheirObjectives() throws {
        let plan = try write("create_success_plan", ["account_id": "acc_drop", "title": "Recover adoption",
                                                     "objectives": ["Double weekly logins", "Adopt reporting"], "target_date": "2026-11-15"])
        let planID = try #require(plan["plan_id"]?.stringValue)
        let objectives = try #require(plan["objectives"]?.arrayValue)
        #expect(objectives.map { $0["status"] } == ["not_started", "not_started"])
        #expect(objectives.map { $0["overdue"] } == [true, true])  // target 2026-11-15 < T
        #expect(plan["owner_email"] == "o1@x.test")

        let achieved = try write("update_success_plan", ["plan_id": .string(planID), "objective_id": objectives[0]["objective_id"]!,
                                                         "objective_status": "achieved"])
        #expect(achieved["objectives_achieved"] == 1)
        #expect(achieved["objectives"]?.arrayValue?.first?["overdue"] == false)
        #expect(achieved["changed"] == ["objectives"])
        let added = try write("update_success_plan", ["plan_id": .string(planID), "add_objectives": ["Train two new users"],
                                                      "target_date": "2027-01-31"])
        #expect(added["objectives"]?.arrayValue?.count == 3)
        #expect(added["objectives"]?.arrayValue?.last?["target_date"] == "2027-01-31")

        #expect(try read("get_account", ["account_id": "acc_drop"])["active_plan"]?["plan_id"] == .string(planID))
        _ = try write("update_success_plan", ["plan_id": .string(planID), "status": "completed"])
        #expect(Self.items(try read("list_success_plans")).isEmpty)
        #expect(Self.items(try read("list_success_plans", ["status": "completed"])).count == 1)
        #expect(refusal("update_success_plan", ["plan_id": .string(planID), "objective_status": "missed"]).contains("goes with objective_id"))
        #expect(refusal("update_success_plan", ["plan_id": "pln_unknown"]).contains("call list_success_plans"))
    }

    @Test func aRetryWithTheSameKeyReturnsTheFirstResultAndCreatesNothing() throws {
        let arguments: JSONValue = ["account_id": "acc_drop", "type": "risk", "reason": "Usage drop", "idempotency_key": "retry-1"]
        let first = try write("create_cta", arguments)
        let again = try write("create_cta", arguments)
        #expect(again == first)
        #expect(Self.items(try read("list_ctas")).count == 1)
        // The same key for another request is refused, and writes nothing.
        let other = refusal("create_cta", ["account_id": "acc_drop", "type": "risk", "reason": "Something else", "idempotency_key": "retry-1"])
        #expect(other.contains("was first used for create_cta with other arguments"))
        #expect(Self.items(try read("list_ctas")).count == 1)
        // A refused call keeps no key: the corrected retry runs.
        #expect(refusal("log_activity", ["account_id": "acc_nope", "kind": "note", "body": "x", "idempotency_key": "k2"]).contains("not tracked"))
        let logged = try write("log_activity", ["account_id": "acc_drop", "kind": "note", "body": "x", "idempotency_key": "k2"])
        #expect(logged["activity_id"] != nil)
        // trigger_workflow honours it too: one run.
        let run = ["workflow_id": "wf_1", "account_id": "acc_drop", "idempotency_key": "run-1"] as JSONValue
        #expect(try write("trigger_workflow", run)["run_id"] == (try write("trigger_workflow", run))["run_id"])
        #expect(try store.workflowRuns(agencyKey: 0).count == 1)
        let audit = try store.auditEntries(agencyKey: 0)
        #expect(audit.filter { $0.action == "create_cta" }.map(\.outcome) == ["ok", "replayed"])
        #expect(audit.filter { $0.action == "trigger_workflow" }.map(\.outcome) == ["ok", "replayed"])
    }

    @Test func everyChangeIsAuditedWithWhoAndWhat() throws {
        let cta = try write("create_cta", ["account_id": "acc_drop", "type": "risk", "reason": "Usage drop", "tasks": ["Call"]])
        let id = try #require(cta["cta_id"]?.stringValue)
        let taskID = try #require(cta["tasks"]?.arrayValue?.first?["task_id"]?.stringValue)
        _ = try write("update_cta_task", ["task_id": .string(taskID), "done": true], client: "oauth:claude")
        _ = try write("update_cta", ["cta_id": .string(id), "status": "closed"], client: "oauth:claude")
        let entries = try store.auditEntries(agencyKey: 0).filter { $0.objectID != nil }
        #expect(entries.map(\.action) == ["create_cta", "update_cta_task", "update_cta"])
        #expect(entries.map(\.client) == ["key_csm", "oauth:claude", "oauth:claude"])
        #expect(entries.map(\.objectID) == [id, taskID, id])
        #expect(entries.allSatisfy { $0.accountID == "acc_drop" && $0.outcome == "ok" })
        // A change that changed nothing is not a change.
        _ = try write("update_cta", ["cta_id": .string(id), "status": "closed"])
        #expect(try store.auditEntries(agencyKey: 0).filter { $0.objectID != nil }.count == 3)
    }

    @Test func alertsAreWrittenWithTheChangeForTheTargetsThatTakeThem() throws {
        let target = try Alerts.target(agencyKey: 0, kind: "slack", url: "https://hooks.example/T1", events: ["cta.opened"], now: 1)
        try store.addAlertTarget(target)
        try store.addAlertTarget(try Alerts.target(agencyKey: 0, kind: "webhook", url: "https://hooks.example/F", events: ["feedback.requested"], now: 1))
        let cta = try write("create_cta", ["account_id": "acc_drop", "type": "risk", "reason": "Usage <halved> & more"])
        _ = try write("update_cta", ["cta_id": cta["cta_id"]!, "status": "closed"])
        let messages = try store.outboxDeliveries(agencyKey: 0)
        // One message: the open, to the Slack target (no target takes cta.closed).
        #expect(messages.map(\.event) == ["cta.opened"])
        #expect(messages.map(\.targetID) == [target.targetID])
        #expect(messages.first?.subjectID == cta["cta_id"]?.stringValue)
        let due = try store.claimDueDeliveries(now: Int64.max / 2)
        let text = try #require(try JSONValue.parse(due.first?.body ?? "")["text"]?.stringValue)
        #expect(text.contains("Usage &lt;halved&gt; &amp; more"))  // Slack's escapes
        #expect(text.contains("*Drop Dental* (acc_drop)"))
        // Bad targets are refused with what to give.
        #expect(throws: ToolError.self) { try Alerts.target(agencyKey: 0, kind: "teams", url: "https://x.example", events: [], now: 1) }
        #expect(throws: ToolError.self) { try Alerts.target(agencyKey: 0, kind: "webhook", url: "ftp://x.example", events: [], now: 1) }
        #expect(throws: ToolError.self) { try Alerts.target(agencyKey: 0, kind: "webhook", url: "https://x.example", events: ["cta.snoozed"], now: 1) }
    }

    @Test func feedbackGoesToTheKeyUsersAndItsStatusIsListed() throws {
        try store.addAlertTarget(try Alerts.target(agencyKey: 0, kind: "webhook", url: "https://hooks.example/F", events: ["feedback.requested"], now: 1))
        // acc_drop's key user is ud1 (ud2 is not).
        let request = try write("request_feedback", ["account_id": "acc_drop"])
        #expect(request["recipients"]?.arrayValue?.map { $0["user_id"] } == ["ud1"])
        #expect(request["status"] == "pending")
        let named = try write("request_feedback", ["account_id": "acc_drop", "user_id": "ud2"])
        #expect(named["recipients"]?.arrayValue?.map { $0["user_id"] } == ["ud2"])
        // acc_rise has no key user: the refusal says what to do.
        #expect(refusal("request_feedback", ["account_id": "acc_rise"]).contains("has no key users"))
        #expect(refusal("request_feedback", ["account_id": "acc_drop", "user_id": "ur1"]).contains("is not a user of account acc_drop"))

        var listed = try read("list_feedback_requests")
        #expect(Self.items(listed).map { $0["request_id"] } == [named["request_id"], request["request_id"]])
        #expect(Self.items(listed).map { $0["status"] } == ["pending", "pending"])
        // Delivered: sent.
        for delivery in try store.claimDueDeliveries(now: Int64.max / 2) where delivery.body.contains(request["request_id"]?.stringValue ?? "?") {
            try store.markDelivered(delivery, now: 2)
        }
        listed = try read("list_feedback_requests", ["status": "sent"])
        #expect(Self.items(listed).map { $0["request_id"] } == [request["request_id"]])
        #expect(Self.items(listed).first?["deliveries"] == ["delivered": 1])
    }

    @Test func aRequestIsRespondedWhenARecipientAnswersAfterIt() throws {
        // ud1 answered NPS 9 on T at 10:00; a request to ud1 the day before is responded, one made after is not.
        let path = try TriageFixture.store(adding: ["feedback.csv": "ts,account_id,user_id,score,comment\n\(TriageFixture.ts(0)),acc_drop,ud1,9,Great\n"])
        let store = try Store.open(at: path)
        let context = try ToolContext(store: store)
        let ud1 = try #require(context.dataset.userKey("ud1")), drop = try #require(context.dataset.accountKey("acc_drop"))
        let day = Int64(TriageFixture.t) * 86_400
        for (id, at) in [("fbr_before", day - 86_400), ("fbr_after", day + 11 * 3600)] {
            _ = try store.write(idempotency: nil) { transaction in
                try transaction.recordFeedbackRequest(requestID: id, agencyKey: 0, accountKey: drop, ownerEmail: "o1@x.test", recipients: [ud1],
                                                      requestedBy: "key_csm", now: at,
                                                      audit: AuditEntry(agencyKey: 0, client: "key_csm", action: "request_feedback", outcome: "ok"))
                return ""
            }
        }
        let listed = try ReadTools.call("list_feedback_requests", agencyID: "ag_1", arguments: [:], context: context)
        #expect(Self.items(listed).map { $0["request_id"] } == ["fbr_after", "fbr_before"])
        #expect(Self.items(listed).map { $0["status"] } == ["recorded", "responded"])
        #expect(Self.items(listed).last?["responded_at"] == "2026-11-20T10:00:00Z")
    }
}
