import VitalsAnalytics
import VitalsJSON

/// One parameter of a tool, declared once: its type and bounds, its
/// default, an example, and what it means. The input schema is generated
/// from it and every call's arguments are checked against it, so the
/// schema a model reads and the check a call meets cannot disagree.
///
/// The names are DESIGN.md's one vocabulary (`account_id`, `days`,
/// `window`, …): the constructors below are the only place each is
/// defined; a tool picks its own default and upper bound where they differ.
public struct ToolParameter: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A non-empty string.
        case string
        case integer(ClosedRange<Int>)
        case boolean
        /// One of these strings.
        case choice([String])
        /// `YYYY-MM-DD`.
        case date
        /// A non-empty list of health bands.
        case bands
        /// A non-empty list of these names (field names of the items).
        case names([String])
        /// A non-empty string of at most this many characters (free text a person wrote).
        case text(Int)
        /// A non-empty list of at most `count` non-empty strings of at most `length` characters each.
        case texts(count: Int, length: Int)
    }

    public var name: String
    public var kind: Kind
    /// What it means, with a concrete example ("e.g. 30").
    public var description: String
    /// The example as a value, for messages.
    public var example: String
    public var required = false
    /// The value when the argument is absent (said in the schema).
    public var defaultValue: JSONValue?

    /// The property's JSON Schema (2020-12).
    public var schema: JSONValue {
        var schema: [String: JSONValue]
        switch kind {
        case .string: schema = ["type": "string"]
        case let .integer(range):
            // Money has no useful upper bound to show (the check still applies).
            schema = range.upperBound >= Int(Int32.max) ? ["type": "integer", "minimum": .int(range.lowerBound)]
                : ["type": "integer", "minimum": .int(range.lowerBound), "maximum": .int(range.upperBound)]
        case .boolean: schema = ["type": "boolean"]
        case let .choice(values): schema = ["type": "string", "enum": .array(values.map(JSONValue.string))]
        case .date: schema = ["type": "string", "format": "date"]
        case .bands: schema = ["type": "array", "items": ["type": "string", "enum": .array(HealthBand.allCases.map { .string($0.rawValue) })],
                               "minItems": 1]
        // The names are checked on arrival (the error lists them); the
        // schema stays short.
        case .names: schema = ["type": "array", "items": ["type": "string"], "minItems": 1]
        case let .text(length): schema = ["type": "string", "minLength": 1, "maxLength": .int(length)]
        case let .texts(count, length):
            schema = ["type": "array", "items": ["type": "string", "minLength": 1, "maxLength": .int(length)], "minItems": 1,
                      "maxItems": .int(count)]
        }
        if let defaultValue { schema["default"] = defaultValue }
        schema["description"] = .string(description)
        return .object(schema)
    }

    /// Checks a given value against the declaration: the error names the
    /// argument, says what was expected, and gives the example.
    func check(_ value: JSONValue) throws(ToolError) {
        switch (kind, value) {
        case (.string, .string(let text)) where !text.isEmpty: return
        case (.string, _): throw .invalid(name, "expected a non-empty string", example: example)
        case let (.integer(range), value):
            let number: Int
            switch value {
            case let .int(n): number = n
            case let .double(d) where d == d.rounded() && abs(d) < 1e15: number = Int(d)
            default: throw .invalid(name, "expected an integer", example: example)
            }
            guard range.contains(number) else {
                throw .invalid(name, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)", example: example)
            }
        case (.boolean, .bool): return
        case (.boolean, _): throw .invalid(name, "expected true or false", example: example)
        case let (.choice(values), .string(text)) where values.contains(text): return
        case let (.choice(values), _):
            throw .invalid(name, "expected " + values.dropLast().joined(separator: ", ") + " or " + (values.last ?? ""), example: example)
        case (.date, .string(let text)) where AsOf(text) != nil: return
        case (.date, _): throw .invalid(name, "expected a date YYYY-MM-DD", example: example)
        case (.bands, .array(let items)) where !items.isEmpty:
            for item in items {
                guard case let .string(text) = item, HealthBand(parsing: text) != nil else {
                    throw .invalid(name, "each band is Healthy, Watch or At Risk", example: example)
                }
            }
        case (.bands, _): throw .invalid(name, "expected a non-empty list of bands", example: example)
        case let (.names(values), .array(items)) where !items.isEmpty:
            for item in items {
                guard case let .string(text) = item, values.contains(text) else {
                    throw .invalid(name, "each entry is one of " + values.joined(separator: ", "), example: example)
                }
            }
        case (.names, _): throw .invalid(name, "expected a non-empty list of field names", example: example)
        case let (.text(length), .string(text)) where text.contains(where: { !$0.isWhitespace }):
            guard text.count <= length else {
                throw .invalid(name, "at most \(length) characters, got \(text.count)", example: example)
            }
        case (.text, _): throw .invalid(name, "expected a non-empty string", example: example)
        case let (.texts(count, length), .array(items)) where !items.isEmpty:
            guard items.count <= count else { throw .invalid(name, "at most \(count) entries, got \(items.count)", example: example) }
            for (i, item) in items.enumerated() {
                guard case let .string(text) = item, text.contains(where: { !$0.isWhitespace }) else {
                    throw .invalid(name, "entry \(i + 1) must be a non-empty string", example: example)
                }
                guard text.count <= length else {
                    throw .invalid(name, "entry \(i + 1) has \(text.count) characters; at most \(length)", example: example)
                }
            }
        case (.texts, _): throw .invalid(name, "expected a non-empty list of strings", example: example)
        }
    }
}

// MARK: - The vocabulary

extension ToolParameter {
    public static func accountID(required: Bool = false) -> ToolParameter {
        ToolParameter(name: "account_id", kind: .string,
                      description: "Account id, e.g. \"acc_00042\".",
                      example: "acc_00042", required: required)
    }

    public static func userID(required: Bool = false) -> ToolParameter {
        ToolParameter(name: "user_id", kind: .string,
                      description: "User id, e.g. \"usr_000123\".",
                      example: "usr_000123", required: required)
    }

    public static let query = ToolParameter(
        name: "query", kind: .string,
        description: "Words to find, e.g. \"acme dental\".", example: "acme", required: true)

    /// `days`: a window counted back from as_of.
    public static func days(default fallback: Int, max: Int = 366) -> ToolParameter {
        ToolParameter(name: "days", kind: .integer(1...max),
                      description: "Days back from as_of, e.g. \(fallback).",
                      example: "\(fallback)", defaultValue: .int(fallback))
    }

    /// `days` of get_account: how much of the health trend.
    public static let trendDays = ToolParameter(
        name: "days", kind: .integer(1...366), description: "Days of health trend back from as_of, e.g. 30.", example: "30",
        defaultValue: .int(30))

    /// `days` of list_upcoming_renewals: a window counted forward from as_of.
    public static func daysAhead(default fallback: Int, max: Int = 366) -> ToolParameter {
        ToolParameter(name: "days", kind: .integer(1...max),
                      description: "Days ahead from as_of (included), e.g. \(fallback).",
                      example: "\(fallback)", defaultValue: .int(fallback))
    }

    /// `months`: calendar months counted back from as_of's month.
    public static func months(default fallback: Int, max: Int = 12) -> ToolParameter {
        ToolParameter(name: "months", kind: .integer(1...max),
                      description: "Calendar months back from as_of's month (included, up to as_of), e.g. \(fallback).",
                      example: "\(fallback)", defaultValue: .int(fallback))
    }

    /// `movement`: one kind of MRR movement.
    public static let movement = ToolParameter(
        name: "movement", kind: .choice(MRRMovement.allCases.map(\.rawValue)),
        description: "Only this movement, e.g. \"churn\".",
        example: "churn")

    public static let window = ToolParameter(
        name: "window", kind: .integer(1...183),
        description: "Days per window: the last `window` days vs the `window` before, e.g. 7.",
        example: "7", defaultValue: .int(7))

    public static let direction = ToolParameter(
        name: "direction", kind: .choice(MoverDirection.allCases.map(\.rawValue)),
        description: "up: rises, down: falls, both: largest change, e.g. \"down\".", example: "down",
        defaultValue: .string(MoverDirection.both.rawValue))

    public static let asOf = ToolParameter(
        name: "as_of", kind: .date,
        description: "T; default data_through, e.g. \"2026-11-20\".",
        example: "2026-11-20")

    /// `limit`: items per page; each list picks a default that keeps a page near 10 KB.
    public static func limit(default fallback: Int) -> ToolParameter {
        ToolParameter(name: "limit", kind: .integer(1...200), description: "Page size, e.g. \(fallback).",
                      example: "\(fallback)", defaultValue: .int(fallback))
    }

    public static let cursor = ToolParameter(
        name: "cursor", kind: .string,
        description: "Previous next_cursor, e.g. \"o1e\".", example: "o1e")

    public static func bands(default fallback: [HealthBand]? = nil) -> ToolParameter {
        ToolParameter(name: "bands", kind: .bands, description: "Bands to keep, e.g. [\"At Risk\"].",
                      example: #"["At Risk", "Watch"]"#, defaultValue: fallback.map { .array($0.map { .string($0.rawValue) }) })
    }

    public static let workflowID = ToolParameter(
        name: "workflow_id", kind: .string, description: "Workflow id (list_workflows), e.g. \"wf_001_01\".",
        example: "wf_001_01", required: true)

    public static let priority = ToolParameter(
        name: "priority", kind: .choice(["low", "normal", "high"]), description: "The account's new priority, e.g. \"high\".",
        example: "high", required: true)

    public static let keyUser = ToolParameter(
        name: "key_user", kind: .boolean, description: "true: key user (champion); false: not, e.g. true.",
        example: "true", required: true)

    public static let minMRRCents = ToolParameter(
        name: "min_mrr_cents", kind: .integer(0...Int(Int32.max) * 1000),
        description: "Least MRR, cents, e.g. 50000.", example: "50000")
}

// MARK: - Account lists: sort and filters

extension ToolParameter {
    public static let sortBy = ToolParameter(
        name: "sort_by", kind: .choice(AccountSort.allCases.map(\.rawValue)),
        description: "Order by, e.g. \"mrr\".", example: "mrr")

    public static let sortOrder = ToolParameter(
        name: "sort_order", kind: .choice(["asc", "desc"]),
        description: "Default desc for mrr, churn_risk; else asc, e.g. \"desc\".", example: "desc")

    /// `compare_to`: the past day a list is compared with.
    public static let compareTo = ToolParameter(
        name: "compare_to", kind: .date,
        description: "Earlier day to compare with, e.g. \"2026-10-20\".",
        example: "2026-10-20")

    public static let ownerEmail = ToolParameter(
        name: "owner_email", kind: .string, description: "Owner's email, e.g. \"csm1@agency.example\".",
        example: "csm1@agency.example")

    public static let plan = ToolParameter(
        name: "plan", kind: .string, description: "Plan, e.g. \"pro\".", example: "pro")

    public static let priorityFilter = ToolParameter(
        name: "priority", kind: .choice(["low", "normal", "high"]), description: "Priority, e.g. \"high\".",
        example: "high")

    public static let maxMRRCents = ToolParameter(
        name: "max_mrr_cents", kind: .integer(0...Int(Int32.max) * 1000),
        description: "Most MRR, cents, e.g. 500000.", example: "500000")

    /// Triage lists leave churned accounts (MRR 0: a win-back, not a save) out unless asked.
    public static let includeChurned = ToolParameter(
        name: "include_churned", kind: .boolean,
        description: "Churned (MRR 0) too, e.g. true.", example: "true", defaultValue: .bool(false))

    /// Browse lists show every account; this keeps only churned (true) or paying (false) ones.
    public static let churned = ToolParameter(
        name: "churned", kind: .boolean, description: "true: churned only (MRR 0); false: paying only, e.g. false.",
        example: "false")

    /// `fields`: keep only these fields of each item (a smaller answer).
    public static func fields(_ names: [String]) -> ToolParameter {
        ToolParameter(name: "fields", kind: .names(names.sorted()),
                      description: "Fields to keep, e.g. [\"account_id\"].",
                      example: #"["account_id", "mrr_cents"]"#)
    }
}

// MARK: - CS work: CTAs, tasks, success plans, timeline

extension ToolParameter {
    public static func ctaID(required: Bool = true) -> ToolParameter {
        ToolParameter(name: "cta_id", kind: .string, description: "CTA id (list_ctas), e.g. \"cta_3f9a1c2b7d4e\".",
                      example: "cta_3f9a1c2b7d4e", required: required)
    }

    public static let taskID = ToolParameter(
        name: "task_id", kind: .string, description: "Task id (get_cta), e.g. \"tsk_9b1e4f7a2c3d\".", example: "tsk_9b1e4f7a2c3d",
        required: true)

    public static func planID(required: Bool = true) -> ToolParameter {
        ToolParameter(name: "plan_id", kind: .string, description: "Success plan id (list_success_plans), e.g. \"pln_5c2d8e1f0a9b\".",
                      example: "pln_5c2d8e1f0a9b", required: required)
    }

    public static func activityID(required: Bool = true) -> ToolParameter {
        ToolParameter(name: "activity_id", kind: .string, description: "Activity id, e.g. \"act_7e3b2a9c1d0f\".",
                      example: "act_7e3b2a9c1d0f", required: required)
    }

    public static let objectiveID = ToolParameter(
        name: "objective_id", kind: .string, description: "Objective id (list_success_plans), e.g. \"obj_2a7c9e1b3d5f\".",
        example: "obj_2a7c9e1b3d5f")

    public static func ctaType(required: Bool) -> ToolParameter {
        ToolParameter(name: "type", kind: .choice(WorkVocabulary.ctaTypes), description: "CTA type, e.g. \"risk\".", example: "risk",
                      required: required)
    }

    /// A CTA's priority: the same three words as an account's.
    public static let ctaPriority = ToolParameter(
        name: "priority", kind: .choice(WorkVocabulary.priorities), description: "CTA priority, e.g. \"high\".", example: "high")

    public static func reason(required: Bool) -> ToolParameter {
        ToolParameter(name: "reason", kind: .text(300), description: "Why, e.g. \"Logins fell 60%\".",
                      example: "Logins fell 60%", required: required)
    }

    public static let ctaStatus = ToolParameter(
        name: "status", kind: .choice(["open", "snoozed", "closed"]),
        description: "snoozed needs snooze_until; closed takes outcome, e.g. \"closed\".", example: "closed")

    public static let ctaStatusFilter = ToolParameter(
        name: "status", kind: .choice(["open", "snoozed", "closed", "all"]),
        description: "Which CTAs, e.g. \"open\".", example: "open", defaultValue: "open")

    public static let snoozeUntil = ToolParameter(
        name: "snooze_until", kind: .date, description: "Day the snoozed CTA comes back, e.g. \"2026-12-15\".", example: "2026-12-15")

    public static let outcome = ToolParameter(
        name: "outcome", kind: .choice(WorkVocabulary.outcomes), description: "How it ended, e.g. \"resolved\".", example: "resolved")

    public static let dueDate = ToolParameter(
        name: "due_date", kind: .date, description: "Due day, e.g. \"2026-12-07\".", example: "2026-12-07")

    public static func title(required: Bool) -> ToolParameter {
        ToolParameter(name: "title", kind: .text(200), description: "Title, e.g. \"Book a QBR\".",
                      example: "Book a QBR", required: required)
    }

    public static let taskTitles = ToolParameter(
        name: "tasks", kind: .texts(count: 20, length: 200), description: "Task titles, e.g. [\"Call the client\"].",
        example: #"["Call the client", "Send a report"]"#)

    public static let done = ToolParameter(
        name: "done", kind: .boolean, description: "true: done; false: not done, e.g. true.", example: "true")

    public static func activityKind(required: Bool) -> ToolParameter {
        ToolParameter(name: "kind", kind: .choice(WorkVocabulary.activityKinds), description: "Activity kind, e.g. \"call\".", example: "call",
                      required: required)
    }

    public static func body(required: Bool) -> ToolParameter {
        ToolParameter(name: "body", kind: .text(20_000), description: "Markdown, e.g. \"Called Dana: migrating in January.\".",
                      example: "Called Dana: migrating in January.", required: required)
    }

    public static let subject = ToolParameter(
        name: "subject", kind: .text(200), description: "Subject, e.g. \"QBR prep\".", example: "QBR prep")

    public static let occurredOn = ToolParameter(
        name: "occurred_on", kind: .date, description: "Day it happened; default now, e.g. \"2026-11-28\".", example: "2026-11-28")

    public static let authorEmail = ToolParameter(
        name: "author_email", kind: .string, description: "Author; default this credential, e.g. \"csm1@agency.example\".",
        example: "csm1@agency.example")

    public static let planStatus = ToolParameter(
        name: "status", kind: .choice(["active", "completed", "cancelled"]), description: "Plan status, e.g. \"completed\".",
        example: "completed")

    public static let planStatusFilter = ToolParameter(
        name: "status", kind: .choice(["active", "completed", "cancelled", "all"]), description: "Which plans, e.g. \"active\".",
        example: "active", defaultValue: "active")

    public static func objectives(_ name: String) -> ToolParameter {
        ToolParameter(name: name, kind: .texts(count: 20, length: 200), description: "Objective titles, e.g. [\"Double logins\"].",
                      example: #"["Double logins", "Adopt reporting"]"#)
    }

    public static let targetDate = ToolParameter(
        name: "target_date", kind: .date, description: "Objectives' target day, e.g. \"2027-03-31\".", example: "2027-03-31")

    public static let objectiveStatus = ToolParameter(
        name: "objective_status", kind: .choice(WorkVocabulary.objectiveStatuses),
        description: "Status for objective_id, e.g. \"achieved\".", example: "achieved")

    public static let ctaOrigin = ToolParameter(
        name: "origin", kind: .choice(["playbook", "person"]), description: "Who opened it, e.g. \"playbook\".",
        example: "playbook")

    public static let overdue = ToolParameter(
        name: "overdue", kind: .boolean, description: "true: only overdue ones, e.g. true.", example: "true")

    public static let feedbackRequestStatus = ToolParameter(
        name: "status", kind: .choice(["recorded", "pending", "sent", "failed", "responded"]), description: "Only this status, e.g. \"sent\".",
        example: "sent")

    /// `idempotency_key`: every write takes one.
    public static let idempotencyKey = ToolParameter(
        name: "idempotency_key", kind: .text(200),
        description: "Retry-safe request id, e.g. \"r1\".", example: "r1")
}
