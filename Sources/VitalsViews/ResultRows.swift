import VitalsJSON

/// The items of a list result as rows under one set of columns: what the
/// table and the CSV renderers share, so both show the same columns in the
/// same order. Each renderer then writes the values its own way (money as
/// dollars for people, as cents for machines).
public struct ResultRows: Sendable {
    /// Identity columns first, in this order; the rest alphabetically.
    public static let leading = ["account_id", "user_id", "feature", "invoice_id", "workflow_id", "name", "date", "month"]

    /// Every column any row has, identity columns first.
    public var columns: [String]
    /// One item each: column → value (a missing column is absent).
    public var rows: [[String: JSONValue]]

    /// - Parameter prefixed: name inlined fields after their object
    ///   (`churn.accounts`), for nested lists whose objects share field
    ///   names; a list tool's items keep the plain names (`health`).
    public init(items: [JSONValue], prefixed: Bool = false) {
        rows = items.map { Self.flatten($0, prefixed: prefixed) }
        var seen = Set<String>()
        columns = []
        for row in rows {
            for key in row.keys where seen.insert(key).inserted { columns.append(key) }
        }
        columns = Self.ordered(columns)
    }

    /// Columns in display order: identity columns first, the rest alphabetically.
    public static func ordered(_ columns: [String]) -> [String] {
        columns.sorted { a, b in
            let ia = leading.firstIndex(of: a) ?? leading.count, ib = leading.firstIndex(of: b) ?? leading.count
            return ia != ib ? ia < ib : a < b
        }
    }

    /// One item as column → value, its nested objects' fields inlined one
    /// level (an item's `scores.health` becomes column `health`), so a
    /// row is flat enough for a table or a spreadsheet.
    public static func flatten(_ item: JSONValue, prefixed: Bool = false) -> [String: JSONValue] {
        guard case let .object(fields) = item.resolved else { return ["value": item.resolved] }
        var row: [String: JSONValue] = [:]
        for (key, value) in fields {
            if case let .object(inner) = value.resolved {
                for (innerKey, innerValue) in inner {
                    let column = prefixed ? key + "." + innerKey : innerKey
                    if row[column] == nil { row[column] = innerValue.resolved }
                }
            } else {
                row[key] = value.resolved
            }
        }
        return row
    }

    /// A value as cell text. Lists of named things (signals, drivers,
    /// features) read as their names joined by `;`; other nested values
    /// as JSON. `roundDoubles` rounds to 4 decimals for reading; without
    /// it a number is written as JSON writes it.
    public static func text(_ value: JSONValue, roundDoubles: Bool) -> String {
        switch value.resolved {
        case .null: return ""
        case let .string(text): return text
        case let .bool(flag): return String(flag)
        case let .int(n): return String(n)
        case let .double(d): return roundDoubles ? String((d * 10000).rounded() / 10000) : JSONValue.double(d).text()
        case let .array(items):
            return items.map { item in
                // A moved component reads as its name and points ("activity -30.0").
                if case let .string(name)? = item["component"], let points = item["points"] {
                    return name + " " + text(points, roundDoubles: roundDoubles)
                }
                for key in ["signal", "name", "feature"] { if case let .string(name)? = item[key] { return name } }
                return text(item, roundDoubles: roundDoubles)
            }.joined(separator: ";")
        case let other: return other.text()
        }
    }

    /// Whether a column holds money in integer cents (`mrr_cents`, or
    /// `churn.cents` inlined from `{"churn": {"cents": …}}`).
    public static func isMoney(_ column: String) -> Bool { column.hasSuffix("_cents") || column.hasSuffix(".cents") }

    /// Whether a column holds an identifier a person copies whole (ids, emails).
    public static func isIdentifier(_ column: String) -> Bool {
        column == "id" || column.hasSuffix("_id") || column == "email" || column.hasSuffix("_email")
    }
}

extension JSONValue {
    /// The value itself, with pre-encoded JSON (materialized results) parsed.
    public var resolved: JSONValue {
        if case let .encoded(text) = self { return text.value.resolved }
        return self
    }

    /// Every pre-encoded part parsed, at any depth (list rows are written
    /// as text at once): a page reads many fields of each row.
    public var deepResolved: JSONValue {
        switch self {
        case let .encoded(text): text.value.deepResolved
        case let .array(items): .array(items.map(\.deepResolved))
        case let .object(fields): .object(fields.mapValues(\.deepResolved))
        default: self
        }
    }
}
