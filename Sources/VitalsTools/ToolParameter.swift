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
        description: "Day T; default data_through, e.g. \"2026-11-20\".",
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
        description: "Least MRR in cents, e.g. 50000 ($500.00).", example: "50000")
}

// MARK: - Account lists: sort and filters

extension ToolParameter {
    public static let sortBy = ToolParameter(
        name: "sort_by", kind: .choice(AccountSort.allCases.map(\.rawValue)),
        description: "Order by, e.g. \"mrr\"; default the tool's order.", example: "mrr")

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
        description: "Most MRR in cents, e.g. 500000 ($5,000.00).", example: "500000")

    /// Triage lists leave churned accounts (MRR 0: a win-back, not a save) out unless asked.
    public static let includeChurned = ToolParameter(
        name: "include_churned", kind: .boolean,
        description: "List churned accounts (MRR 0) too, e.g. true.", example: "true", defaultValue: .bool(false))

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
