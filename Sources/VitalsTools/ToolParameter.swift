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
        case .string: schema = ["type": "string", "minLength": 1]
        case let .integer(range): schema = ["type": "integer", "minimum": .int(range.lowerBound), "maximum": .int(range.upperBound)]
        case .boolean: schema = ["type": "boolean"]
        case let .choice(values): schema = ["type": "string", "enum": .array(values.map(JSONValue.string))]
        case .date: schema = ["type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"]
        case .bands: schema = ["type": "array", "items": ["type": "string", "enum": .array(HealthBand.allCases.map { .string($0.rawValue) })],
                               "minItems": 1]
        }
        var text = description
        if let defaultValue {
            schema["default"] = defaultValue
            text += " Default: \(defaultValue.text())."
        }
        schema["description"] = .string(text)
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
        }
    }
}

// MARK: - The vocabulary

extension ToolParameter {
    public static func accountID(required: Bool = false) -> ToolParameter {
        ToolParameter(name: "account_id", kind: .string,
                      description: "The account's id, e.g. \"acc_00042\" (from list_tracked_accounts or search_accounts).",
                      example: "acc_00042", required: required)
    }

    public static func userID(required: Bool = false) -> ToolParameter {
        ToolParameter(name: "user_id", kind: .string,
                      description: "The user's id, e.g. \"usr_000123\" (from search_users or list_inactive_users).",
                      example: "usr_000123", required: required)
    }

    public static let query = ToolParameter(
        name: "query", kind: .string,
        description: "Free text matched against ids, names and emails, case-insensitive, e.g. \"acme\".", example: "acme", required: true)

    /// `days`: a window counted back from as_of.
    public static func days(default fallback: Int, max: Int = 366) -> ToolParameter {
        ToolParameter(name: "days", kind: .integer(1...max),
                      description: "How many days back from as_of the tool looks, 1–\(max), e.g. \(fallback).",
                      example: "\(fallback)", defaultValue: .int(fallback))
    }

    /// `days` of list_upcoming_renewals: a window counted forward from as_of.
    public static func daysAhead(default fallback: Int, max: Int = 366) -> ToolParameter {
        ToolParameter(name: "days", kind: .integer(1...max),
                      description: "How many days ahead of as_of the tool looks (as_of included), 1–\(max), e.g. \(fallback).",
                      example: "\(fallback)", defaultValue: .int(fallback))
    }

    public static let window = ToolParameter(
        name: "window", kind: .integer(1...183),
        description: "Days in each compared window (the last `window` days against the `window` days before), 1–183, e.g. 7.",
        example: "7", defaultValue: .int(7))

    public static let direction = ToolParameter(
        name: "direction", kind: .choice(MoverDirection.allCases.map(\.rawValue)),
        description: "Sort movers by rise (up), fall (down) or size of change (both), e.g. \"down\".", example: "down",
        defaultValue: .string(MoverDirection.both.rawValue))

    public static let asOf = ToolParameter(
        name: "as_of", kind: .date,
        description: "The day T the answer is as of, YYYY-MM-DD, e.g. \"2026-11-20\"; default the latest event day.", example: "2026-11-20")

    public static let limit = ToolParameter(
        name: "limit", kind: .integer(1...200), description: "Items per page, 1–200, e.g. 50.", example: "50", defaultValue: .int(50))

    public static let cursor = ToolParameter(
        name: "cursor", kind: .string,
        description: "The next_cursor of the previous page, unchanged, e.g. \"o1e\"; leave out for the first page.", example: "o1e")

    public static func bands(default fallback: [HealthBand]? = nil) -> ToolParameter {
        ToolParameter(name: "bands", kind: .bands, description: "Health bands to keep, e.g. [\"At Risk\", \"Watch\"].",
                      example: #"["At Risk", "Watch"]"#, defaultValue: fallback.map { .array($0.map { .string($0.rawValue) }) })
    }

    public static let workflowID = ToolParameter(
        name: "workflow_id", kind: .string, description: "The workflow's id, e.g. \"wf_001_01\" (from list_workflows).",
        example: "wf_001_01", required: true)

    public static let priority = ToolParameter(
        name: "priority", kind: .choice(["low", "normal", "high"]), description: "The account's new priority, e.g. \"high\".",
        example: "high", required: true)

    public static let keyUser = ToolParameter(
        name: "key_user", kind: .boolean, description: "true to mark the user a key user (champion), false to unmark, e.g. true.",
        example: "true", required: true)

    public static let minMRRCents = ToolParameter(
        name: "min_mrr_cents", kind: .integer(0...Int(Int32.max) * 1000),
        description: "Only accounts with at least this MRR in cents, e.g. 50000 ($500.00).", example: "50000")
}
