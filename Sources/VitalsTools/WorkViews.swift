import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// The words of the CS work objects, declared once: parameters, checks and
/// the playbook config use these lists.
public enum WorkVocabulary {
    /// The playbook config checks the same words (defined with it, in VitalsAnalytics).
    public static let ctaTypes = PlaybookRule.ctaTypes
    public static let priorities = PlaybookRule.priorities
    public static let outcomes = ["resolved", "renewed", "expanded", "churned", "cancelled"]
    public static let activityKinds = ["note", "call", "email", "meeting", "update"]
    public static let objectiveStatuses = ["not_started", "in_progress", "achieved", "missed", "cancelled"]

    /// A new id: the prefix and 12 random hex digits (`cta_3f9a1c2b7d4e`),
    /// 48 bits from the system's generator (`UUID()` read /dev/urandom once
    /// per id: a third of a first night's playbook time).
    static func newID(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bits = generator.next() & 0xFFFF_FFFF_FFFF
        let hex = String(bits, radix: 16)
        return prefix + "_" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// A CTA's status on day T: a snooze that has ended reads as open.
    static func status(_ cta: CTA, today: Int) -> String {
        cta.status == "snoozed" && (cta.snoozedUntil ?? .max) <= today ? "open" : cta.status
    }

    static func date(_ day: Int?) -> String? { day.map(CivilTime.formatDate(days:)) }
    static func time(_ seconds: Int64?) -> String? { seconds.map(CivilTime.formatTimestamp(seconds:)) }
}

/// A task as tools show it.
struct TaskView: Encodable {
    var taskID: String
    var title: String
    var ownerEmail: String?
    var dueDate: String?
    var done: Bool
    var overdue: Bool

    init(_ task: CTATask, today: Int, ctaOpen: Bool) {
        taskID = task.taskID
        title = task.title
        ownerEmail = task.ownerEmail
        dueDate = WorkVocabulary.date(task.dueDay)
        done = task.done
        overdue = ctaOpen && !task.done && (task.dueDay ?? .max) < today
    }

    static let fields: [String: String] = [
        "task_id": "string", "title": "string", "owner_email": "string?", "due_date": "string?", "done": "boolean", "overdue": "boolean",
    ]
}

/// A CTA in a list: what it is about, where it stands, and its next task.
struct CTARow: Encodable {
    var ctaID: String
    var accountID: String
    var accountName: String
    var type: String
    var reason: String
    var priority: String
    /// open, snoozed or closed on day T.
    var status: String
    var snoozedUntil: String?
    var outcome: String?
    var ownerEmail: String?
    var dueDate: String?
    /// Open and past its due day.
    var overdue: Bool
    /// `playbook` (a rule opened it) or `person` (someone, through a tool).
    var origin: String
    var ruleID: String?
    var createdBy: String
    var createdAt: String
    var updatedAt: String
    var closedAt: String?
    var tasksDone: Int
    var tasksTotal: Int
    /// The first task not done.
    var nextTask: String?

    init(_ cta: CTA, _ context: ToolContext, today: Int) {
        let account = context.dataset.accounts[cta.accountKey]
        ctaID = cta.ctaID
        accountID = account.accountID
        accountName = account.name
        type = cta.type
        reason = cta.reason
        priority = cta.priority
        status = WorkVocabulary.status(cta, today: today)
        snoozedUntil = status == "snoozed" ? WorkVocabulary.date(cta.snoozedUntil) : nil
        outcome = cta.outcome
        ownerEmail = cta.ownerEmail
        dueDate = WorkVocabulary.date(cta.dueDay)
        overdue = status == "open" && (cta.dueDay ?? .max) < today
        origin = cta.source
        ruleID = cta.ruleID
        createdBy = cta.createdBy
        createdAt = WorkVocabulary.time(cta.createdAt) ?? ""
        updatedAt = WorkVocabulary.time(cta.updatedAt) ?? ""
        closedAt = WorkVocabulary.time(cta.closedAt)
        tasksDone = cta.tasks.filter(\.done).count
        tasksTotal = cta.tasks.count
        nextTask = cta.tasks.first { !$0.done }?.title
    }

    static let fields: [String: String] = [
        "cta_id": "string", "account_id": "string", "account_name": "string", "type": "string", "reason": "string",
        "priority": "string", "status": "string", "snoozed_until": "string?", "outcome": "string?", "owner_email": "string?",
        "due_date": "string?", "overdue": "boolean", "origin": "string", "rule_id": "string?", "created_by": "string",
        "created_at": "string", "updated_at": "string", "closed_at": "string?", "tasks_done": "integer", "tasks_total": "integer",
        "next_task": "string?",
    ]

    /// The row and every task: what get_cta and the CTA writes answer.
    static func detail(_ cta: CTA, _ context: ToolContext, today: Int) -> [String: JSONValue] {
        let row = CTARow(cta, context, today: today)
        guard case var .object(fields) = JSONValue.encoding(row) else { return [:] }
        fields["tasks"] = JSONValue.encoding(cta.tasks.map { TaskView($0, today: today, ctaOpen: row.status != "closed") })
        return fields
    }

    static let detailFields = fields.merging(["tasks": "array"]) { own, _ in own }
}

/// A success plan as tools show it, with its objectives.
struct PlanView: Encodable {
    struct Objective: Encodable {
        var objectiveID: String
        var title: String
        var status: String
        var targetDate: String?
        /// Not achieved, missed or cancelled, and past its target day.
        var overdue: Bool
    }

    var planID: String
    var accountID: String
    var accountName: String
    var title: String
    var status: String
    var ownerEmail: String?
    var createdBy: String
    var createdAt: String
    var updatedAt: String
    var objectivesAchieved: Int
    var objectives: [Objective]

    init(_ plan: SuccessPlan, _ context: ToolContext, today: Int) {
        let account = context.dataset.accounts[plan.accountKey]
        planID = plan.planID
        accountID = account.accountID
        accountName = account.name
        title = plan.title
        status = plan.status
        ownerEmail = plan.ownerEmail
        createdBy = plan.createdBy
        createdAt = WorkVocabulary.time(plan.createdAt) ?? ""
        updatedAt = WorkVocabulary.time(plan.updatedAt) ?? ""
        objectivesAchieved = plan.objectives.filter { $0.status == "achieved" }.count
        objectives = plan.objectives.map {
            Objective(objectiveID: $0.objectiveID, title: $0.title, status: $0.status, targetDate: WorkVocabulary.date($0.targetDay),
                      overdue: plan.status == "active" && ["not_started", "in_progress"].contains($0.status) && ($0.targetDay ?? .max) < today)
        }
    }

    static let fields: [String: String] = [
        "plan_id": "string", "account_id": "string", "account_name": "string", "title": "string", "status": "string",
        "owner_email": "string?", "created_by": "string", "created_at": "string", "updated_at": "string",
        "objectives_achieved": "integer", "objectives": "array",
    ]
}

/// A timeline activity as tools show it.
struct ActivityView: Encodable {
    var activityID: String
    var accountID: String
    var accountName: String
    var kind: String
    var subject: String?
    var body: String
    /// The body was cut to `bodyLimit` characters (list_timeline_activities with activity_id gives all of it).
    var bodyTruncated: Bool
    var author: String
    var occurredAt: String
    var ctaID: String?
    var planID: String?
    var createdBy: String
    var updatedAt: String

    init(_ activity: Activity, _ context: ToolContext, bodyLimit: Int = .max) {
        let account = context.dataset.accounts[activity.accountKey]
        activityID = activity.activityID
        accountID = account.accountID
        accountName = account.name
        kind = activity.kind
        subject = activity.subject
        bodyTruncated = activity.body.count > bodyLimit
        body = bodyTruncated ? String(activity.body.prefix(bodyLimit)) + "…" : activity.body
        author = activity.author
        occurredAt = WorkVocabulary.time(activity.occurredAt) ?? ""
        ctaID = activity.ctaID
        planID = activity.planID
        createdBy = activity.createdBy
        updatedAt = WorkVocabulary.time(activity.updatedAt) ?? ""
    }

    static let fields: [String: String] = [
        "activity_id": "string", "account_id": "string", "account_name": "string", "kind": "string", "subject": "string?",
        "body": "string", "body_truncated": "boolean", "author": "string", "occurred_at": "string", "cta_id": "string?",
        "plan_id": "string?", "created_by": "string", "updated_at": "string",
    ]
}
