import Foundation
import GRDB

// The CS team's work objects: calls to action (CTAs) with their tasks,
// success plans with their objectives, and timeline activities. Every row
// carries its agency; every lookup here takes the agency, so an id of
// another agency reads exactly like an unknown one. Nothing is deleted:
// CTAs close, plans complete or are cancelled, tasks are done. Which
// changes are allowed is the tools' policy; this file only keeps them.

/// A call to action on an account.
public struct CTA: Sendable, Equatable {
    public var ctaID: String
    public var agencyKey: Int
    public var accountKey: Int
    /// risk, renewal, expansion, onboarding or other.
    public var type: String
    public var reason: String
    /// low, normal or high.
    public var priority: String
    /// open, snoozed or closed, as stored (a snooze that has ended reads as open: the tools decide).
    public var status: String
    /// The day a snoozed CTA comes back (days since 1970).
    public var snoozedUntil: Int?
    /// Why it closed: resolved, renewed, expanded, churned, cancelled.
    public var outcome: String?
    public var ownerEmail: String?
    public var dueDay: Int?
    /// `playbook` (opened by a rule) or `person` (a person or an agent through a tool).
    public var source: String
    /// The playbook rule that opened it.
    public var ruleID: String?
    /// Who opened it: an API key id, an OAuth client, or `playbook:<rule>`.
    public var createdBy: String
    /// Seconds since 1970.
    public var createdAt: Int64
    public var updatedAt: Int64
    public var closedAt: Int64?
    /// The day T it closed on (a playbook's cool-down counts from it).
    public var closedDay: Int?
    public var tasks: [CTATask]

    public init(ctaID: String, agencyKey: Int, accountKey: Int, type: String, reason: String, priority: String, status: String = "open",
                snoozedUntil: Int? = nil, outcome: String? = nil, ownerEmail: String?, dueDay: Int?, source: String, ruleID: String?,
                createdBy: String, createdAt: Int64, updatedAt: Int64? = nil, closedAt: Int64? = nil, closedDay: Int? = nil,
                tasks: [CTATask] = []) {
        self.ctaID = ctaID
        self.agencyKey = agencyKey
        self.accountKey = accountKey
        self.type = type
        self.reason = reason
        self.priority = priority
        self.status = status
        self.snoozedUntil = snoozedUntil
        self.outcome = outcome
        self.ownerEmail = ownerEmail
        self.dueDay = dueDay
        self.source = source
        self.ruleID = ruleID
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.closedAt = closedAt
        self.closedDay = closedDay
        self.tasks = tasks
    }
}

/// A task of a CTA.
public struct CTATask: Sendable, Equatable {
    public var taskID: String
    public var ctaID: String
    public var position: Int
    public var title: String
    public var ownerEmail: String?
    public var dueDay: Int?
    public var done: Bool
    public var doneAt: Int64?
    public var createdBy: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(taskID: String, ctaID: String, position: Int, title: String, ownerEmail: String?, dueDay: Int?, done: Bool = false,
                doneAt: Int64? = nil, createdBy: String, createdAt: Int64, updatedAt: Int64? = nil) {
        self.taskID = taskID
        self.ctaID = ctaID
        self.position = position
        self.title = title
        self.ownerEmail = ownerEmail
        self.dueDay = dueDay
        self.done = done
        self.doneAt = doneAt
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// A success plan: what the account and the agency set out to achieve.
public struct SuccessPlan: Sendable, Equatable {
    public var planID: String
    public var agencyKey: Int
    public var accountKey: Int
    public var title: String
    /// active, completed or cancelled.
    public var status: String
    public var ownerEmail: String?
    public var createdBy: String
    public var createdAt: Int64
    public var updatedAt: Int64
    public var objectives: [PlanObjective]

    public init(planID: String, agencyKey: Int, accountKey: Int, title: String, status: String = "active", ownerEmail: String?,
                createdBy: String, createdAt: Int64, updatedAt: Int64? = nil, objectives: [PlanObjective] = []) {
        self.planID = planID
        self.agencyKey = agencyKey
        self.accountKey = accountKey
        self.title = title
        self.status = status
        self.ownerEmail = ownerEmail
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.objectives = objectives
    }
}

/// One objective of a success plan.
public struct PlanObjective: Sendable, Equatable {
    public var objectiveID: String
    public var planID: String
    public var position: Int
    public var title: String
    /// not_started, in_progress, achieved, missed or cancelled.
    public var status: String
    public var targetDay: Int?
    public var updatedAt: Int64

    public init(objectiveID: String, planID: String, position: Int, title: String, status: String = "not_started", targetDay: Int?,
                updatedAt: Int64) {
        self.objectiveID = objectiveID
        self.planID = planID
        self.position = position
        self.title = title
        self.status = status
        self.targetDay = targetDay
        self.updatedAt = updatedAt
    }
}

/// A timeline activity: a note, call, email, meeting or update on an account.
public struct Activity: Sendable, Equatable {
    public var activityID: String
    public var agencyKey: Int
    public var accountKey: Int
    /// note, call, email, meeting or update.
    public var kind: String
    public var subject: String?
    /// Markdown.
    public var body: String
    /// Who it is from: the author's email if given, else the credential.
    public var author: String
    /// When it happened (seconds since 1970).
    public var occurredAt: Int64
    public var ctaID: String?
    public var planID: String?
    public var createdBy: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(activityID: String, agencyKey: Int, accountKey: Int, kind: String, subject: String?, body: String, author: String,
                occurredAt: Int64, ctaID: String?, planID: String?, createdBy: String, createdAt: Int64, updatedAt: Int64? = nil) {
        self.activityID = activityID
        self.agencyKey = agencyKey
        self.accountKey = accountKey
        self.kind = kind
        self.subject = subject
        self.body = body
        self.author = author
        self.occurredAt = occurredAt
        self.ctaID = ctaID
        self.planID = planID
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// Which CTAs to read.
public struct CTAQuery: Sendable {
    public var agencyKey: Int
    public var accountKey: Int?
    public var type: String?
    public var ownerEmail: String?
    public var ruleID: String?
    /// The status on a day T: `open` (a snooze that ended by T included),
    /// `snoozed` (until after T) or `closed`; nil: any.
    public var statusOn: (status: String, day: Int)?
    /// `playbook` or `person`.
    public var origin: String?
    /// Only CTAs open on this day and due before it.
    public var overdueOn: Int?

    public init(agencyKey: Int, accountKey: Int? = nil, type: String? = nil, ownerEmail: String? = nil,
                ruleID: String? = nil, statusOn: (status: String, day: Int)? = nil, origin: String? = nil, overdueOn: Int? = nil) {
        self.agencyKey = agencyKey
        self.accountKey = accountKey
        self.type = type
        self.ownerEmail = ownerEmail
        self.ruleID = ruleID
        self.statusOn = statusOn
        self.origin = origin
        self.overdueOn = overdueOn
    }
}

/// Which activities to read.
public struct ActivityQuery: Sendable, Equatable {
    public var agencyKey: Int
    public var accountKey: Int?
    public var kinds: [String]?
    public var ctaID: String?
    public var planID: String?
    /// Only those that occurred at or after (seconds).
    public var since: Int64?

    public init(agencyKey: Int, accountKey: Int? = nil, kinds: [String]? = nil, ctaID: String? = nil, planID: String? = nil,
                since: Int64? = nil) {
        self.agencyKey = agencyKey
        self.accountKey = accountKey
        self.kinds = kinds
        self.ctaID = ctaID
        self.planID = planID
        self.since = since
    }
}

/// A playbook-opened CTA as the playbook planner needs it.
public struct PlaybookCTARow: Sendable, Equatable {
    public var ctaID: String
    public var accountKey: Int
    public var ruleID: String
    /// Open or snoozed.
    public var isOpen: Bool
    public var closedDay: Int?
}

// MARK: - Reads

extension Store {
    /// CTAs matching `query` with their tasks: open and snoozed first, then by due day (none last), then newest.
    public func ctas(_ query: CTAQuery) throws(StoreError) -> [CTA] {
        try read { try WorkSQL.ctas(query, offset: 0, limit: Int.max, $0).items }
    }

    /// One page of the CTAs matching `query` (in the order of ``ctas(_:)``),
    /// with the tasks of that page only, and how many match.
    public func ctas(_ query: CTAQuery, offset: Int, limit: Int) throws(StoreError) -> (items: [CTA], total: Int) {
        try read { try WorkSQL.ctas(query, offset: offset, limit: limit, $0) }
    }

    /// One CTA of the agency, with its tasks; nil when unknown or another agency's.
    public func cta(_ id: String, agencyKey: Int) throws(StoreError) -> CTA? {
        try read { try WorkSQL.cta(id, agencyKey: agencyKey, $0) }
    }

    /// Success plans of the agency (of one account), newest first, with their objectives.
    public func successPlans(agencyKey: Int, accountKey: Int? = nil, statuses: [String]? = nil) throws(StoreError) -> [SuccessPlan] {
        try read { try WorkSQL.plans(agencyKey: agencyKey, accountKey: accountKey, statuses: statuses, planID: nil, $0) }
    }

    /// One success plan of the agency; nil when unknown or another agency's.
    public func successPlan(_ id: String, agencyKey: Int) throws(StoreError) -> SuccessPlan? {
        try read { try WorkSQL.plans(agencyKey: agencyKey, accountKey: nil, statuses: nil, planID: id, $0).first }
    }

    /// Activities matching `query`, newest first: the page asked for and how many match.
    public func activities(_ query: ActivityQuery, offset: Int = 0, limit: Int = Int.max) throws(StoreError) -> (items: [Activity], total: Int) {
        try read { try WorkSQL.activities(query, offset: offset, limit: limit, $0) }
    }

    /// One activity of the agency; nil when unknown or another agency's.
    public func activity(_ id: String, agencyKey: Int) throws(StoreError) -> Activity? {
        try read { try WorkSQL.activity(id, agencyKey: agencyKey, $0) }
    }

    /// Every agency's playbook CTAs that are open or snoozed, or closed on
    /// or after `closedSince` (a cool-down can still hold), by agency key:
    /// one read for a night's playbooks, not one per agency.
    public func playbookCTAs(closedSince: Int) throws(StoreError) -> [Int: [PlaybookCTARow]] {
        try read { db in
            var byAgency: [Int: [PlaybookCTARow]] = [:]
            try db.forEachRawRow("""
                SELECT agency_key, cta_id, account_key, rule_id, status, closed_day FROM ctas
                WHERE rule_id IS NOT NULL AND (status <> 'closed' OR closed_day >= \(closedSince))
                ORDER BY agency_key, rule_id, account_key, created_at
                """) { row in
                byAgency[row.int(0), default: []].append(
                    PlaybookCTARow(ctaID: row.string(1), accountKey: row.int(2), ruleID: row.string(3),
                                   isOpen: row.string(4) != "closed", closedDay: row.optionalInt(5)))
            }
            return byAgency
        }
    }
}

// MARK: - Writes

extension WriteTransaction {
    public func cta(_ id: String, agencyKey: Int) throws -> CTA? { try WorkSQL.cta(id, agencyKey: agencyKey, db) }

    /// The task and its CTA; nil when unknown or another agency's.
    public func task(_ id: String, agencyKey: Int) throws -> CTATask? {
        try Row.fetchOne(db, sql: "SELECT * FROM cta_tasks WHERE task_id = ? AND agency_key = ?", arguments: [id, agencyKey])
            .map(WorkSQL.task)
    }

    public func successPlan(_ id: String, agencyKey: Int) throws -> SuccessPlan? {
        try WorkSQL.plans(agencyKey: agencyKey, accountKey: nil, statuses: nil, planID: id, db).first
    }

    public func activity(_ id: String, agencyKey: Int) throws -> Activity? { try WorkSQL.activity(id, agencyKey: agencyKey, db) }

    /// Inserts a new CTA and its tasks.
    public func insert(_ cta: CTA) throws {
        // Bound straight (``RawInsert``): a first night's playbooks open CTAs by the ten thousand.
        var row = try RawInsert(db, cached: """
            INSERT INTO ctas (cta_id, agency_key, account_key, type, reason, priority, status, snoozed_until, outcome, owner_email,
                              due_day, source, rule_id, created_by, created_at, updated_at, closed_at, closed_day)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        row.bind(cta.ctaID)
        row.bind(cta.agencyKey)
        row.bind(cta.accountKey)
        row.bind(cta.type)
        row.bind(cta.reason)
        row.bind(cta.priority)
        row.bind(cta.status)
        row.bind(cta.snoozedUntil)
        row.bind(cta.outcome)
        row.bind(cta.ownerEmail)
        row.bind(cta.dueDay)
        row.bind(cta.source)
        row.bind(cta.ruleID)
        row.bind(cta.createdBy)
        row.bind(cta.createdAt)
        row.bind(cta.updatedAt)
        row.bind(cta.closedAt)
        row.bind(cta.closedDay)
        try row.run(db)
        for task in cta.tasks { try insert(task, agencyKey: cta.agencyKey) }
    }

    /// Saves a CTA's changeable fields (not its tasks).
    public func update(_ cta: CTA) throws {
        try execute(cached: """
            UPDATE ctas SET type = ?, reason = ?, priority = ?, status = ?, snoozed_until = ?, outcome = ?, owner_email = ?, due_day = ?,
                            updated_at = ?, closed_at = ?, closed_day = ?
            WHERE cta_id = ? AND agency_key = ?
            """, arguments: [cta.type, cta.reason, cta.priority, cta.status, cta.snoozedUntil, cta.outcome, cta.ownerEmail, cta.dueDay,
                             cta.updatedAt, cta.closedAt, cta.closedDay, cta.ctaID, cta.agencyKey])
    }

    public func insert(_ task: CTATask, agencyKey: Int) throws {
        var insert = try RawInsert(db, cached: """
            INSERT INTO cta_tasks (task_id, cta_id, agency_key, position, title, owner_email, due_day, done, done_at, created_by,
                                   created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(task.taskID)
        insert.bind(task.ctaID)
        insert.bind(agencyKey)
        insert.bind(task.position)
        insert.bind(task.title)
        insert.bind(task.ownerEmail)
        insert.bind(task.dueDay)
        insert.bind(task.done)
        insert.bind(task.doneAt)
        insert.bind(task.createdBy)
        insert.bind(task.createdAt)
        insert.bind(task.updatedAt)
        try insert.run(db)
    }

    public func update(_ task: CTATask, agencyKey: Int) throws {
        try execute(cached: """
            UPDATE cta_tasks SET title = ?, owner_email = ?, due_day = ?, done = ?, done_at = ?, updated_at = ?
            WHERE task_id = ? AND agency_key = ?
            """, arguments: [task.title, task.ownerEmail, task.dueDay, task.done, task.doneAt, task.updatedAt, task.taskID, agencyKey])
    }

    /// Marks a CTA changed (a task was added or changed).
    public func touchCTA(_ id: String, agencyKey: Int, at time: Int64) throws {
        try execute(cached: "UPDATE ctas SET updated_at = ? WHERE cta_id = ? AND agency_key = ?", arguments: [time, id, agencyKey])
    }

    /// Inserts a plan and its objectives.
    public func insert(_ plan: SuccessPlan) throws {
        try execute(cached: """
            INSERT INTO success_plans (plan_id, agency_key, account_key, title, status, owner_email, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [plan.planID, plan.agencyKey, plan.accountKey, plan.title, plan.status, plan.ownerEmail, plan.createdBy,
                             plan.createdAt, plan.updatedAt])
        for objective in plan.objectives { try save(objective, agencyKey: plan.agencyKey) }
    }

    /// Saves a plan's fields and its objectives (new ones are added; none are removed).
    public func update(_ plan: SuccessPlan) throws {
        try execute(cached: """
            UPDATE success_plans SET title = ?, status = ?, owner_email = ?, updated_at = ? WHERE plan_id = ? AND agency_key = ?
            """, arguments: [plan.title, plan.status, plan.ownerEmail, plan.updatedAt, plan.planID, plan.agencyKey])
        for objective in plan.objectives { try save(objective, agencyKey: plan.agencyKey) }
    }

    func save(_ objective: PlanObjective, agencyKey: Int) throws {
        try execute(cached: """
            INSERT INTO plan_objectives (objective_id, plan_id, agency_key, position, title, status, target_day, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(objective_id) DO UPDATE SET title = excluded.title, status = excluded.status, target_day = excluded.target_day,
                updated_at = excluded.updated_at
            """, arguments: [objective.objectiveID, objective.planID, agencyKey, objective.position, objective.title, objective.status,
                             objective.targetDay, objective.updatedAt])
    }

    public func insert(_ activity: Activity) throws {
        try execute(cached: """
            INSERT INTO activities (activity_id, agency_key, account_key, kind, subject, body, author, occurred_at, cta_id, plan_id,
                                    created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [activity.activityID, activity.agencyKey, activity.accountKey, activity.kind, activity.subject, activity.body,
                             activity.author, activity.occurredAt, activity.ctaID, activity.planID, activity.createdBy,
                             activity.createdAt, activity.updatedAt])
    }

    public func update(_ activity: Activity) throws {
        try execute(cached: """
            UPDATE activities SET kind = ?, subject = ?, body = ?, occurred_at = ?, cta_id = ?, plan_id = ?, updated_at = ?
            WHERE activity_id = ? AND agency_key = ?
            """, arguments: [activity.kind, activity.subject, activity.body, activity.occurredAt, activity.ctaID, activity.planID,
                             activity.updatedAt, activity.activityID, activity.agencyKey])
    }
}

// MARK: - SQL shared by reads and transactions

enum WorkSQL {
    static func ctas(_ query: CTAQuery, offset: Int, limit: Int, _ db: Database) throws -> (items: [CTA], total: Int) {
        var sql = " FROM ctas WHERE agency_key = ?"
        var arguments: StatementArguments = [query.agencyKey]
        if let account = query.accountKey {
            sql += " AND account_key = ?"
            arguments += [account]
        }
        // A snooze that has ended reads as open (WorkVocabulary.status says the same in Swift).
        let openOn = "(status = 'open' OR (status = 'snoozed' AND snoozed_until <= ?))"
        if let (status, day) = query.statusOn {
            switch status {
            case "open": sql += " AND " + openOn; arguments += [day]
            case "snoozed": sql += " AND status = 'snoozed' AND snoozed_until > ?"; arguments += [day]
            default: sql += " AND status = ?"; arguments += [status]
            }
        }
        if let day = query.overdueOn {
            sql += " AND " + openOn + " AND due_day < ?"
            arguments += [day, day]
        }
        if let origin = query.origin {
            sql += " AND source = ?"
            arguments += [origin]
        }
        if let type = query.type {
            sql += " AND type = ?"
            arguments += [type]
        }
        if let owner = query.ownerEmail {
            sql += " AND owner_email = ? COLLATE NOCASE"
            arguments += [owner]
        }
        if let rule = query.ruleID {
            sql += " AND rule_id = ?"
            arguments += [rule]
        }
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*)" + sql, arguments: arguments) ?? 0
        sql += " ORDER BY status = 'closed', due_day IS NULL, due_day, created_at DESC, rowid DESC LIMIT ? OFFSET ?"
        var ctas = try Row.fetchAll(db, sql: "SELECT *" + sql, arguments: arguments + [min(limit, Int(Int32.max)), offset]).map(cta)
        // The tasks of these CTAs only, through the (cta_id, position) index.
        let positions = Dictionary(uniqueKeysWithValues: ctas.enumerated().map { ($1.ctaID, $0) })
        var start = 0
        while start < ctas.count {
            let ids = ctas[start ..< min(start + 500, ctas.count)].map(\.ctaID)
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM cta_tasks WHERE cta_id IN (" + ids.map { _ in "?" }.joined(separator: ", ")
                                        + ") ORDER BY cta_id, position", arguments: StatementArguments(ids))
            for row in rows {
                let task = task(row)
                if let position = positions[task.ctaID] { ctas[position].tasks.append(task) }
            }
            start += 500
        }
        return (ctas, total)
    }

    static func cta(_ id: String, agencyKey: Int, _ db: Database) throws -> CTA? {
        guard var cta = try Row.fetchOne(db, sql: "SELECT * FROM ctas WHERE cta_id = ? AND agency_key = ?", arguments: [id, agencyKey])
            .map(cta) else { return nil }
        cta.tasks = try Row.fetchAll(db, sql: "SELECT * FROM cta_tasks WHERE cta_id = ? ORDER BY position", arguments: [id]).map(task)
        return cta
    }

    static func cta(_ row: Row) -> CTA {
        CTA(ctaID: row["cta_id"], agencyKey: row["agency_key"], accountKey: row["account_key"], type: row["type"], reason: row["reason"],
            priority: row["priority"], status: row["status"], snoozedUntil: row["snoozed_until"], outcome: row["outcome"],
            ownerEmail: row["owner_email"], dueDay: row["due_day"], source: row["source"], ruleID: row["rule_id"],
            createdBy: row["created_by"], createdAt: row["created_at"], updatedAt: row["updated_at"], closedAt: row["closed_at"],
            closedDay: row["closed_day"])
    }

    static func task(_ row: Row) -> CTATask {
        CTATask(taskID: row["task_id"], ctaID: row["cta_id"], position: row["position"], title: row["title"], ownerEmail: row["owner_email"],
                dueDay: row["due_day"], done: row["done"], doneAt: row["done_at"], createdBy: row["created_by"], createdAt: row["created_at"],
                updatedAt: row["updated_at"])
    }

    static func plans(agencyKey: Int, accountKey: Int?, statuses: [String]?, planID: String?, _ db: Database) throws -> [SuccessPlan] {
        var sql = "SELECT * FROM success_plans WHERE agency_key = ?"
        var arguments: StatementArguments = [agencyKey]
        if let accountKey {
            sql += " AND account_key = ?"
            arguments += [accountKey]
        }
        if let planID {
            sql += " AND plan_id = ?"
            arguments += [planID]
        }
        if let statuses {
            sql += " AND status IN (" + statuses.map { _ in "?" }.joined(separator: ", ") + ")"
            arguments += StatementArguments(statuses)
        }
        var plans = try Row.fetchAll(db, sql: sql + " ORDER BY created_at DESC, rowid DESC", arguments: arguments).map { row in
            SuccessPlan(planID: row["plan_id"], agencyKey: row["agency_key"], accountKey: row["account_key"], title: row["title"],
                        status: row["status"], ownerEmail: row["owner_email"], createdBy: row["created_by"], createdAt: row["created_at"],
                        updatedAt: row["updated_at"])
        }
        for i in plans.indices {
            plans[i].objectives = try Row.fetchAll(db, sql: "SELECT * FROM plan_objectives WHERE plan_id = ? ORDER BY position",
                                                   arguments: [plans[i].planID]).map { row in
                PlanObjective(objectiveID: row["objective_id"], planID: row["plan_id"], position: row["position"], title: row["title"],
                              status: row["status"], targetDay: row["target_day"], updatedAt: row["updated_at"])
            }
        }
        return plans
    }

    static func activities(_ query: ActivityQuery, offset: Int, limit: Int, _ db: Database) throws -> (items: [Activity], total: Int) {
        var sql = " FROM activities WHERE agency_key = ?"
        var arguments: StatementArguments = [query.agencyKey]
        if let account = query.accountKey {
            sql += " AND account_key = ?"
            arguments += [account]
        }
        if let kinds = query.kinds {
            sql += " AND kind IN (" + kinds.map { _ in "?" }.joined(separator: ", ") + ")"
            arguments += StatementArguments(kinds)
        }
        if let cta = query.ctaID {
            sql += " AND cta_id = ?"
            arguments += [cta]
        }
        if let plan = query.planID {
            sql += " AND plan_id = ?"
            arguments += [plan]
        }
        if let since = query.since {
            sql += " AND occurred_at >= ?"
            arguments += [since]
        }
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*)" + sql, arguments: arguments) ?? 0
        let items = try Row.fetchAll(db, sql: "SELECT *" + sql + " ORDER BY occurred_at DESC, created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                                     arguments: arguments + [min(limit, Int(Int32.max)), offset]).map(activity)
        return (items, total)
    }

    static func activity(_ id: String, agencyKey: Int, _ db: Database) throws -> Activity? {
        try Row.fetchOne(db, sql: "SELECT * FROM activities WHERE activity_id = ? AND agency_key = ?", arguments: [id, agencyKey])
            .map(activity)
    }

    static func activity(_ row: Row) -> Activity {
        Activity(activityID: row["activity_id"], agencyKey: row["agency_key"], accountKey: row["account_key"], kind: row["kind"],
                 subject: row["subject"], body: row["body"], author: row["author"], occurredAt: row["occurred_at"], ctaID: row["cta_id"],
                 planID: row["plan_id"], createdBy: row["created_by"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}
