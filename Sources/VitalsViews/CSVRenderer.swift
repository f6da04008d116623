import Foundation
import VitalsJSON

/// `--format csv`: the items of a list (every page) for a spreadsheet or a
/// script, as RFC 4180 text: a header row, then one record per item, CRLF
/// line ends, fields quoted when they hold a comma, a quote or a line
/// break. The columns are the table's (``ResultRows``); values stay as
/// machines read them: money in integer cents, numbers unrounded.
public enum CSVRenderer {
    /// - Parameter declared: the tool's declared item fields, for the
    ///   header of an empty list (nested objects' fields are unknown then).
    /// - Parameter prefixed: name nested objects' fields after their object (see ``ResultRows``).
    public static func render(items: [JSONValue], declared: [String: String]? = nil, prefixed: Bool = false) -> String {
        var result = ResultRows(items: items, prefixed: prefixed)
        if items.isEmpty, let declared {
            result.columns = ResultRows.ordered(declared.filter { !$0.value.hasPrefix("object") }.map(\.key))
        }
        var records = [result.columns.map(field)]
        for row in result.rows {
            records.append(result.columns.map { column in field(row[column].map { ResultRows.text($0, roundDoubles: false) } ?? "") })
        }
        return records.map { $0.joined(separator: ",") + "\r\n" }.joined()
    }

    /// One field, quoted (its quotes doubled) only where RFC 4180 needs it.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
