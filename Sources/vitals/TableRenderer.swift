import VitalsJSON
import VitalsViews

/// `--format table`: a result for people. The items of a list as columns
/// (``ResultRows``); other fields as `key: value` lines, a nested object's
/// fields indented under its name and a nested list of objects as a small
/// table. Money fields (`mrr_cents`) read as dollars under their name
/// without `_cents` (`mrr`, `$12,345.67`), right-aligned in columns; ids
/// and emails are shown whole so they can be copied into the next
/// command; other long texts are clipped.
enum TableRenderer {
    /// The widest a column other than an id or email grows.
    static let maxWidth = 48

    static func render(_ value: JSONValue) -> String {
        guard case let .object(object) = value.resolved else { return value.text() }
        var lines = fields(object.filter { $0.key != "items" }, indent: "")
        if case let .array(items)? = object["items"]?.resolved {
            lines.append("")
            lines += table(ResultRows(items: items))
        }
        return lines.joined(separator: "\n")
    }

    /// An object's fields, one `key: value` line each in key order.
    static func fields(_ object: [String: JSONValue], indent: String) -> [String] {
        var lines: [String] = []
        for key in object.keys.sorted() {
            switch object[key]!.resolved {
            case let .object(inner) where !inner.isEmpty:
                lines.append("\(indent)\(heading(key)):")
                lines += fields(inner, indent: indent + "  ")
            case let .array(elements) where !elements.isEmpty && elements.allSatisfy(\.isObject):
                lines.append("\(indent)\(heading(key)):")
                lines += table(ResultRows(items: elements, prefixed: true)).map { indent + "  " + $0 }
            case let value:
                lines.append("\(indent)\(heading(key)): \(cell(value, column: key))")
            }
        }
        return lines
    }

    /// The header line and one line per row, columns two spaces apart.
    /// Columns empty in every row (a comparison not asked for, no one churned) are left out.
    static func table(_ result: ResultRows) -> [String] {
        let all = result.columns
        let allCells = result.rows.map { row in all.map { column in row[column].map { cell($0, column: column) } ?? "" } }
        let kept = all.indices.filter { c in allCells.isEmpty || allCells.contains { !$0[c].isEmpty } }
        let columns = kept.map { all[$0] }
        let cells = allCells.map { row in kept.map { row[$0] } }
        let widths = columns.indices.map { c in
            let widest = ([heading(columns[c]).count] + cells.map { $0[c].count }).max()!
            return ResultRows.isIdentifier(columns[c]) ? widest : min(maxWidth, widest)
        }
        func line(_ texts: [String]) -> String {
            let padded = texts.enumerated().map { c, text in
                let clipped = text.count > widths[c] ? String(text.prefix(widths[c] - 1)) + "…" : text
                let pad = String(repeating: " ", count: widths[c] - clipped.count)
                return ResultRows.isMoney(columns[c]) ? pad + clipped : clipped + pad
            }
            return padded.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return [line(columns.map(heading))] + cells.map(line)
    }

    /// A column's or field's name as shown: money without its `_cents`
    /// (`mrr_cents` → `mrr`, `churn.cents` → `churn`).
    static func heading(_ column: String) -> String {
        ResultRows.isMoney(column) ? String(column.dropLast("_cents".count)) : column
    }

    /// A value as shown: money in dollars, numbers rounded for reading.
    static func cell(_ value: JSONValue, column: String) -> String {
        if ResultRows.isMoney(column) {
            switch value.resolved {
            case let .int(cents): return formatMoney(cents: cents)
            case let .double(cents) where cents.isFinite: return formatMoney(cents: Int(cents.rounded()))
            default: break
            }
        }
        return ResultRows.text(value, roundDoubles: true)
    }
}

extension JSONValue {
    var isObject: Bool {
        if case .object = resolved { return true }
        return false
    }
}

extension String {
    /// The text without the spaces that pad its last column.
    func trimmingTrailingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
