import Foundation
import VitalsAnalytics
import VitalsJSON
import VitalsStore

/// The CS team's work, written: CTAs and their tasks, timeline activities,
/// success plans (scope write:activities, toolset `work`). Nothing is
/// deleted: a CTA closes with an outcome, a plan completes or is cancelled,
/// a task is marked done. Every change is audited with who made it and the
/// object it touched.
public enum WorkTools {
    public static let all: [WriteTool] = ctas + timeline + plans

    // MARK: - CTAs and tasks

    static let ctas: [WriteTool] = [
        WriteTool(name: "create_cta", title: "Create CTA", scope: .writeActivities, toolset: "work",
                  summary: "Opens a call to action (CTA) on an account, with optional tasks. Owner defaults to the account's, due day to as_of + 7. Check list_ctas first.",
                  parameters: [.accountID(required: true), .ctaType(required: true), .reason(required: true), .ctaPriority, .ownerEmail,
                               .dueDate, .taskTitles],
                  destructive: false, idempotent: false, fields: CTARow.detailFields) { context, write in
            let account = try write.call.requiredAccount(context)
            let record = context.dataset.accounts[account]
            let arguments = write.call.arguments
            let owner = try email(arguments, "owner_email") ?? record.ownerEmail.lowercased()
            let due = arguments.date("due_date")?.day ?? write.today + 7
            let id = WorkVocabulary.newID("cta")
            let tasks = (arguments.names("tasks") ?? []).enumerated().map { position, title in
                CTATask(taskID: WorkVocabulary.newID("tsk"), ctaID: id, position: position, title: title, ownerEmail: owner, dueDay: due,
                        createdBy: write.client, createdAt: write.now)
            }
            let cta = CTA(ctaID: id, agencyKey: write.call.agency, accountKey: account, type: arguments.requiredString("type"),
                          reason: arguments.requiredString("reason"), priority: arguments.string("priority") ?? "normal",
                          ownerEmail: owner, dueDay: due, source: "person", ruleID: nil, createdBy: write.client, createdAt: write.now,
                          tasks: tasks)
            try write.transaction.insert(cta)
            try write.transaction.audit(write.audit("create_cta", accountID: record.accountID, objectID: id))
            try Alerts.cta("cta.opened", cta, write.transaction, context.dataset, now: write.now)
            return .object(CTARow.detail(cta, context, today: write.today))
        },
        WriteTool(name: "update_cta", title: "Update CTA", scope: .writeActivities, toolset: "work",
                  summary: "Closes (with an outcome), snoozes, re-opens or edits a CTA; says which fields changed.",
                  parameters: [.ctaID(), .ctaStatus, .outcome, .snoozeUntil, .ctaPriority, .ownerEmail, .dueDate, .reason(required: false),
                               .ctaType(required: false)],
                  destructive: true, idempotent: true,
                  fields: CTARow.detailFields.merging(["changed": "array"]) { own, _ in own }) { context, write in
            let arguments = write.call.arguments
            let before = try cta(arguments.requiredString("cta_id"), write)
            var cta = before
            let edits = ["priority", "owner_email", "due_date", "reason", "type"].filter(arguments.given)
            guard arguments.string("status") != nil || arguments.string("outcome") != nil || !edits.isEmpty else {
                throw ToolError("nothing to change: give status, outcome, priority, owner_email, due_date, reason or type")
            }
            let current = WorkVocabulary.status(cta, today: write.today)
            let status = arguments.string("status")
            if current == "closed", status != "open", status != "closed" || !edits.isEmpty {
                throw ToolError("cta \(cta.ctaID) is closed (outcome \(cta.outcome ?? "-")); re-open it with status \"open\" before changing it")
            }
            if arguments.string("outcome") != nil, status != "closed", current != "closed" {
                throw ToolError.invalid("outcome", "goes with status \"closed\"", example: "{\"status\": \"closed\", \"outcome\": \"resolved\"}")
            }
            if arguments.string("snooze_until") != nil, status != "snoozed" {
                throw ToolError.invalid("snooze_until", "goes with status \"snoozed\"", example: "{\"status\": \"snoozed\", \"snooze_until\": \"2026-12-15\"}")
            }
            switch status {
            case "closed":
                if current != "closed" {
                    cta.status = "closed"
                    cta.closedAt = write.now
                    cta.closedDay = write.today
                    cta.snoozedUntil = nil
                }
                cta.outcome = arguments.string("outcome") ?? cta.outcome ?? "resolved"
            case "snoozed":
                guard let until = arguments.date("snooze_until"), until.day > write.today else {
                    throw ToolError.invalid("snooze_until", "a snooze needs a day after as_of (\(WorkVocabulary.date(write.today) ?? ""))",
                                            example: WorkVocabulary.date(write.today + 7) ?? "")
                }
                cta.status = "snoozed"
                cta.snoozedUntil = until.day
            case "open":
                cta.status = "open"
                cta.snoozedUntil = nil
                cta.outcome = nil
                cta.closedAt = nil
                cta.closedDay = nil
            default:
                break
            }
            if let priority = arguments.string("priority") { cta.priority = priority }
            if let owner = try email(arguments, "owner_email") { cta.ownerEmail = owner }
            if let due = arguments.date("due_date") { cta.dueDay = due.day }
            if let reason = arguments.string("reason") { cta.reason = reason }
            if let type = arguments.string("type") { cta.type = type }
            // A new snooze day is a change of status.
            let changed = changedFields(before, cta, [
                "status": { [$0.status, $0.snoozedUntil.map(String.init)] as [String?] }, "outcome": { $0.outcome },
                "priority": { $0.priority }, "owner_email": { $0.ownerEmail }, "due_date": { $0.dueDay }, "reason": { $0.reason },
                "type": { $0.type },
            ])
            if !changed.isEmpty {
                cta.updatedAt = write.now
                try write.transaction.update(cta)
                try write.transaction.audit(write.audit("update_cta", accountID: context.dataset.accounts[cta.accountKey].accountID,
                                                        objectID: cta.ctaID))
                if cta.status == "closed", before.status != "closed" {
                    try Alerts.cta("cta.closed", cta, write.transaction, context.dataset, now: write.now)
                }
            }
            var result = CTARow.detail(cta, context, today: write.today)
            result["changed"] = .array(changed.map(JSONValue.string))
            return .object(result)
        },
        WriteTool(name: "add_cta_task", title: "Add CTA task", scope: .writeActivities, toolset: "work",
                  summary: "Adds a task to an open CTA; owner and due day default to the CTA's.",
                  parameters: [.ctaID(), .title(required: true), .ownerEmail, .dueDate], destructive: false, idempotent: false,
                  fields: CTARow.detailFields.merging(["task_id": "string"]) { own, _ in own }) { context, write in
            let arguments = write.call.arguments
            var cta = try cta(arguments.requiredString("cta_id"), write)
            try requireOpen(cta, write)
            let task = CTATask(taskID: WorkVocabulary.newID("tsk"), ctaID: cta.ctaID, position: (cta.tasks.map(\.position).max() ?? -1) + 1,
                               title: arguments.requiredString("title"), ownerEmail: try email(arguments, "owner_email") ?? cta.ownerEmail,
                               dueDay: arguments.date("due_date")?.day ?? cta.dueDay, createdBy: write.client, createdAt: write.now)
            try write.transaction.insert(task, agencyKey: write.call.agency)
            try write.transaction.touchCTA(cta.ctaID, agencyKey: write.call.agency, at: write.now)
            try write.transaction.audit(write.audit("add_cta_task", accountID: context.dataset.accounts[cta.accountKey].accountID,
                                                    objectID: task.taskID))
            cta.tasks.append(task)
            cta.updatedAt = write.now
            var result = CTARow.detail(cta, context, today: write.today)
            result["task_id"] = .string(task.taskID)
            return .object(result)
        },
        WriteTool(name: "update_cta_task", title: "Update CTA task", scope: .writeActivities, toolset: "work",
                  summary: "Marks a task done (or not), or edits it; answers the whole CTA.",
                  parameters: [.taskID, .done, .title(required: false), .ownerEmail, .dueDate], destructive: true, idempotent: true,
                  fields: CTARow.detailFields.merging(["task_id": "string", "changed": "array"]) { own, _ in own }) { context, write in
            let arguments = write.call.arguments
            let id = arguments.requiredString("task_id")
            guard let before = try write.transaction.task(id, agencyKey: write.call.agency) else {
                throw ToolError("task \(id) is not a task of this agency's CTAs — call get_cta to find the task_id")
            }
            guard ["done", "title", "owner_email", "due_date"].contains(where: arguments.given) else {
                throw ToolError("nothing to change: give done, title, owner_email or due_date")
            }
            var cta = try cta(before.ctaID, write)
            try requireOpen(cta, write)
            var task = before
            if let done = arguments.bool("done"), done != task.done {
                task.done = done
                task.doneAt = done ? write.now : nil
            }
            if let title = arguments.string("title") { task.title = title }
            if let owner = try email(arguments, "owner_email") { task.ownerEmail = owner }
            if let due = arguments.date("due_date") { task.dueDay = due.day }
            let changed = changedFields(before, task, ["done": { $0.done }, "title": { $0.title }, "owner_email": { $0.ownerEmail },
                                                        "due_date": { $0.dueDay }])
            if !changed.isEmpty {
                task.updatedAt = write.now
                try write.transaction.update(task, agencyKey: write.call.agency)
                try write.transaction.touchCTA(cta.ctaID, agencyKey: write.call.agency, at: write.now)
                try write.transaction.audit(write.audit("update_cta_task", accountID: context.dataset.accounts[cta.accountKey].accountID,
                                                        objectID: task.taskID))
                cta.updatedAt = write.now
            }
            cta.tasks = cta.tasks.map { $0.taskID == task.taskID ? task : $0 }
            var result = CTARow.detail(cta, context, today: write.today)
            result["task_id"] = .string(task.taskID)
            result["changed"] = .array(changed.map(JSONValue.string))
            return .object(result)
        },
    ]

    // MARK: - Timeline

    static let timeline: [WriteTool] = [
        WriteTool(name: "log_activity", title: "Log activity", scope: .writeActivities, toolset: "work",
                  summary: "Logs a note, call, email, meeting or update (markdown) on an account's timeline, optionally on one of its CTAs or plans: what the team learned or decided.",
                  parameters: [.accountID(required: true), .activityKind(required: true), .body(required: true), .subject, .occurredOn,
                               .authorEmail, .ctaID(required: false), .planID(required: false)],
                  destructive: false, idempotent: false, fields: ActivityView.fields) { context, write in
            let account = try write.call.requiredAccount(context)
            let arguments = write.call.arguments
            let (ctaID, planID) = try links(arguments, account: account, write, context)
            let activity = Activity(
                activityID: WorkVocabulary.newID("act"), agencyKey: write.call.agency, accountKey: account,
                kind: arguments.requiredString("kind"), subject: arguments.string("subject"), body: arguments.requiredString("body"),
                author: try email(arguments, "author_email") ?? write.client,
                occurredAt: arguments.date("occurred_on").map(occurredAt) ?? write.now, ctaID: ctaID, planID: planID,
                createdBy: write.client, createdAt: write.now)
            try write.transaction.insert(activity)
            try write.transaction.audit(write.audit("log_activity", accountID: context.dataset.accounts[account].accountID,
                                                    objectID: activity.activityID))
            return JSONValue.encoding(ActivityView(activity, context))
        },
        WriteTool(name: "update_activity", title: "Update activity", scope: .writeActivities, toolset: "work",
                  summary: "Corrects a timeline activity (the body is replaced whole).",
                  parameters: [.activityID(), .body(required: false), .subject, .activityKind(required: false), .occurredOn,
                               .ctaID(required: false), .planID(required: false)],
                  destructive: true, idempotent: true,
                  fields: ActivityView.fields.merging(["changed": "array"]) { own, _ in own }) { context, write in
            let arguments = write.call.arguments
            let id = arguments.requiredString("activity_id")
            guard let before = try write.transaction.activity(id, agencyKey: write.call.agency) else { throw ToolError.unknownActivity(id) }
            guard ["body", "subject", "kind", "occurred_on", "cta_id", "plan_id"].contains(where: arguments.given) else {
                throw ToolError("nothing to change: give body, subject, kind, occurred_on, cta_id or plan_id")
            }
            var activity = before
            let (ctaID, planID) = try links(arguments, account: before.accountKey, write, context)
            if let body = arguments.string("body") { activity.body = body }
            if let subject = arguments.string("subject") { activity.subject = subject }
            if let kind = arguments.string("kind") { activity.kind = kind }
            if let day = arguments.date("occurred_on") { activity.occurredAt = occurredAt(day) }
            if ctaID != nil { activity.ctaID = ctaID }
            if planID != nil { activity.planID = planID }
            let changed = changedFields(before, activity, ["body": { $0.body }, "subject": { $0.subject }, "kind": { $0.kind },
                                                            "occurred_at": { $0.occurredAt }, "cta_id": { $0.ctaID },
                                                            "plan_id": { $0.planID }])
            if !changed.isEmpty {
                activity.updatedAt = write.now
                try write.transaction.update(activity)
                try write.transaction.audit(write.audit("update_activity", accountID: context.dataset.accounts[activity.accountKey].accountID,
                                                        objectID: activity.activityID))
            }
            guard case var .object(result) = JSONValue.encoding(ActivityView(activity, context)) else { return .null }
            result["changed"] = .array(changed.map(JSONValue.string))
            return .object(result)
        },
    ]

    // MARK: - Success plans

    static let plans: [WriteTool] = [
        WriteTool(name: "create_success_plan", title: "Create success plan", scope: .writeActivities, toolset: "work",
                  summary: "Writes a success plan for an account: title, objectives and their target day.",
                  parameters: [.accountID(required: true), .title(required: true), .objectives("objectives"), .targetDate, .ownerEmail],
                  destructive: false, idempotent: false, fields: PlanView.fields) { context, write in
            let account = try write.call.requiredAccount(context)
            let arguments = write.call.arguments
            let id = WorkVocabulary.newID("pln")
            let target = arguments.date("target_date")?.day
            let objectives = (arguments.names("objectives") ?? []).enumerated().map { position, title in
                PlanObjective(objectiveID: WorkVocabulary.newID("obj"), planID: id, position: position, title: title, targetDay: target,
                              updatedAt: write.now)
            }
            let plan = SuccessPlan(planID: id, agencyKey: write.call.agency, accountKey: account, title: arguments.requiredString("title"),
                                   ownerEmail: try email(arguments, "owner_email") ?? context.dataset.accounts[account].ownerEmail.lowercased(),
                                   createdBy: write.client, createdAt: write.now, objectives: objectives)
            try write.transaction.insert(plan)
            try write.transaction.audit(write.audit("create_success_plan", accountID: context.dataset.accounts[account].accountID, objectID: id))
            return JSONValue.encoding(PlanView(plan, context, today: write.today))
        },
        WriteTool(name: "update_success_plan", title: "Update success plan", scope: .writeActivities, toolset: "work",
                  summary: "Changes a plan's status, title or owner; one objective (objective_id with objective_status or target_date); or adds objectives.",
                  parameters: [.planID(), .planStatus, .title(required: false), .ownerEmail, .objectiveID, .objectiveStatus, .targetDate,
                               .objectives("add_objectives")],
                  destructive: true, idempotent: false,
                  fields: PlanView.fields.merging(["changed": "array"]) { own, _ in own }) { context, write in
            let arguments = write.call.arguments
            let id = arguments.requiredString("plan_id")
            guard let before = try write.transaction.successPlan(id, agencyKey: write.call.agency) else { throw ToolError.unknownPlan(id) }
            if arguments.string("objective_status") != nil, arguments.string("objective_id") == nil {
                throw ToolError.invalid("objective_status", "goes with objective_id", example: "{\"objective_id\": \"obj_2a7c9e1b3d5f\", \"objective_status\": \"achieved\"}")
            }
            guard ["status", "title", "owner_email", "objective_id", "add_objectives"].contains(where: arguments.given) else {
                throw ToolError("nothing to change: give status, title, owner_email, objective_id (with objective_status or target_date) or add_objectives")
            }
            var plan = before
            if let status = arguments.string("status") { plan.status = status }
            if let title = arguments.string("title") { plan.title = title }
            if let owner = try email(arguments, "owner_email") { plan.ownerEmail = owner }
            var changed = changedFields(before, plan, ["status": { $0.status }, "title": { $0.title }, "owner_email": { $0.ownerEmail }])
            let target = arguments.date("target_date")?.day
            if let objectiveID = arguments.string("objective_id") {
                guard let i = plan.objectives.firstIndex(where: { $0.objectiveID == objectiveID }) else {
                    throw ToolError("objective \(objectiveID) is not an objective of plan \(id) — call list_success_plans to find the objective_id")
                }
                guard arguments.string("objective_status") != nil || target != nil else {
                    throw ToolError.invalid("objective_id", "give objective_status or target_date with it", example: "{\"objective_id\": \"\(objectiveID)\", \"objective_status\": \"achieved\"}")
                }
                var objective = plan.objectives[i]
                if let status = arguments.string("objective_status") { objective.status = status }
                if let target, arguments.names("add_objectives") == nil { objective.targetDay = target }
                if objective != plan.objectives[i] {
                    objective.updatedAt = write.now
                    plan.objectives[i] = objective
                    changed.append("objectives")
                }
            }
            if let added = arguments.names("add_objectives") {
                let first = (plan.objectives.map(\.position).max() ?? -1) + 1
                plan.objectives += added.enumerated().map { offset, title in
                    PlanObjective(objectiveID: WorkVocabulary.newID("obj"), planID: id, position: first + offset, title: title,
                                  targetDay: target, updatedAt: write.now)
                }
                if !changed.contains("objectives") { changed.append("objectives") }
            }
            if !changed.isEmpty {
                plan.updatedAt = write.now
                try write.transaction.update(plan)
                try write.transaction.audit(write.audit("update_success_plan", accountID: context.dataset.accounts[plan.accountKey].accountID,
                                                        objectID: id))
            }
            guard case var .object(result) = JSONValue.encoding(PlanView(plan, context, today: write.today)) else { return .null }
            result["changed"] = .array(changed.map(JSONValue.string))
            return .object(result)
        },
    ]

    // MARK: - Helpers

    /// What get_account shows of the team's work on an account, in short:
    /// its open CTAs (up to 3, soonest due first, and how many), the newest
    /// active success plan, and the last 3 timeline activities (bodies cut
    /// at 200 characters).
    static func accountWork(_ account: Int, _ call: ToolCall, _ context: ToolContext) throws(ToolError) -> [String: JSONValue] {
        let today = call.asOf.day
        let (open, plans, activities) = try reading { () throws(StoreError) in
            (try context.store.ctas(CTAQuery(agencyKey: call.agency, accountKey: account, statusOn: ("open", today)), offset: 0, limit: 3),
             try context.store.successPlans(agencyKey: call.agency, accountKey: account, statuses: ["active"]),
             try context.store.activities(ActivityQuery(agencyKey: call.agency, accountKey: account), limit: 3).items)
        }
        let plan = plans.first.map { PlanView($0, context, today: today) }
        return [
            "open_ctas": .array(open.items.map { keeping(JSONValue.encoding(CTARow($0, context, today: today)), accountCTAFields) }),
            "open_cta_count": .int(open.total),
            "active_plan": plan.map { plan in
                ["plan_id": .string(plan.planID), "title": .string(plan.title), "objectives_achieved": .int(plan.objectivesAchieved),
                 "objectives_total": .int(plan.objectives.count),
                 "next_objective": plan.objectives.first { ["not_started", "in_progress"].contains($0.status) }.map { .string($0.title) } ?? .null]
            } ?? .null,
            "recent_activities": .array(activities.map {
                keeping(JSONValue.encoding(ActivityView($0, context, bodyLimit: 200)), ["activity_id", "kind", "subject", "body", "author", "occurred_at"])
            }),
        ]
    }

    /// What get_account shows of each open CTA (get_cta has the rest).
    static let accountCTAFields: Set<String> = ["cta_id", "type", "reason", "priority", "due_date", "overdue", "origin", "rule_id",
                                                "tasks_done", "tasks_total"]

    /// Only these fields of an encoded object.
    static func keeping(_ value: JSONValue, _ names: Set<String>) -> JSONValue {
        .object((value.objectValue ?? [:]).filter { names.contains($0.key) })
    }

    /// A store read in a tool: a failure says what happened, not the SQL.
    static func reading<T>(_ body: () throws(StoreError) -> T) throws(ToolError) -> T {
        do { return try body() } catch { throw ToolError("could not read the store; try again") }
    }

    /// A CTA of the call's agency, read outside a write.
    static func cta(_ id: String, _ call: ToolCall, _ context: ToolContext) throws(ToolError) -> CTA {
        guard let cta = try reading({ () throws(StoreError) in try context.store.cta(id, agencyKey: call.agency) }) else {
            throw .unknownCTA(id)
        }
        return cta
    }

    /// An activity of the call's agency, read outside a write.
    static func activity(_ id: String, _ call: ToolCall, _ context: ToolContext) throws(ToolError) -> Activity {
        guard let activity = try reading({ () throws(StoreError) in try context.store.activity(id, agencyKey: call.agency) }) else {
            throw .unknownActivity(id)
        }
        return activity
    }

    /// A CTA of the call's agency, read in the write's transaction.
    static func cta(_ id: String, _ write: WriteCall) throws -> CTA {
        guard let cta = try write.transaction.cta(id, agencyKey: write.call.agency) else { throw ToolError.unknownCTA(id) }
        return cta
    }

    static func requireOpen(_ cta: CTA, _ write: WriteCall) throws(ToolError) {
        guard WorkVocabulary.status(cta, today: write.today) != "closed" else {
            throw ToolError("cta \(cta.ctaID) is closed (outcome \(cta.outcome ?? "-")); re-open it with update_cta status \"open\" first")
        }
    }

    /// The `cta_id` and `plan_id` an activity links to: the agency's, and of the same account.
    static func links(_ arguments: ToolArguments, account: Int, _ write: WriteCall, _ context: ToolContext) throws -> (String?, String?) {
        let accountID = context.dataset.accounts[account].accountID
        var ctaID: String?, planID: String?
        if let id = arguments.string("cta_id") {
            let cta = try cta(id, write)
            guard cta.accountKey == account else {
                throw ToolError("cta \(id) is on account \(context.dataset.accounts[cta.accountKey].accountID), not \(accountID)")
            }
            ctaID = id
        }
        if let id = arguments.string("plan_id") {
            guard let plan = try write.transaction.successPlan(id, agencyKey: write.call.agency) else { throw ToolError.unknownPlan(id) }
            guard plan.accountKey == account else {
                throw ToolError("plan \(id) is on account \(context.dataset.accounts[plan.accountKey].accountID), not \(accountID)")
            }
            planID = id
        }
        return (ctaID, planID)
    }

    /// An email argument, checked: something@domain.
    static func email(_ arguments: ToolArguments, _ name: String) throws(ToolError) -> String? {
        guard let text = arguments.string(name) else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !text.contains(where: \.isWhitespace) else {
            throw .invalid(name, "expected an email address, got \"\(text)\"", example: "csm1@agency.example")
        }
        return text.lowercased()
    }

    /// A day given for an activity: noon UTC of that day (the day reads the same in every time zone around it).
    static func occurredAt(_ day: AsOf) -> Int64 { Int64(day.day) * 86_400 + 43_200 }

    /// The names (as results say them) of the fields that differ between two
    /// versions of a record, in the order given: what a write's `changed` lists.
    static func changedFields<T>(_ before: T, _ after: T, _ fields: KeyValuePairs<String, (T) -> AnyHashable?>) -> [String] {
        fields.filter { $0.value(before) != $0.value(after) }.map(\.key)
    }
}

extension ToolError {
    static func unknownCTA(_ id: String) -> ToolError {
        ToolError("cta \(id) is not one of this agency's CTAs — call list_ctas to find the cta_id")
    }

    static func unknownPlan(_ id: String) -> ToolError {
        ToolError("plan \(id) is not one of this agency's success plans — call list_success_plans to find the plan_id")
    }

    static func unknownActivity(_ id: String) -> ToolError {
        ToolError("activity \(id) is not one of this agency's timeline activities — call list_timeline_activities to find the activity_id")
    }
}
