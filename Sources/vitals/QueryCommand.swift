import ArgumentParser
import Foundation
import VitalsJSON
import VitalsStore
import VitalsTools

/// `vitals query TOOL`: runs one read tool and prints its result.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one read tool of the MCP surface for an agency and print its structured result.",
        discussion: "Tools: " + ReadTools.all.map(\.name).joined(separator: ", ")
    )

    enum Format: String, ExpressibleByArgument { case json, table }

    @Argument(help: "The tool, e.g. list_accounts_at_risk.") var tool: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Option(name: .long, help: "The agency id, e.g. ag_001.") var agency: String
    @Option(name: .long, help: #"The tool's arguments as a JSON object, e.g. '{"days": 45}'."#) var args: String?
    @Option(name: .long, help: "json (default) or table.") var format: Format = .json
    @Flag(name: .long, help: "Compute from the columns even where materialized results exist.") var fresh = false

    func run() throws {
        let arguments: JSONValue?
        do {
            arguments = try args.map(JSONValue.parse)
        } catch {
            printError("error: --args is not valid JSON: \(args ?? "")")
            throw ExitCode.validationFailure
        }
        do {
            let store = try Store.open(at: storeOptions.store, readOnly: true)
            let context = try ToolContext(store: store, config: try scoring.load(), useMaterialized: !fresh)
            let result = try ReadTools.call(tool, agencyID: agency, arguments: arguments, context: context)
            print(format == .json ? result.text(pretty: true) : TableRenderer.render(result))
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// `--format table`: the items of a list as columns (nested objects'
/// fields inlined, lists of named things as their names), other fields as
/// `key: value` lines.
enum TableRenderer {
    static let leading = ["account_id", "user_id", "feature", "invoice_id", "workflow_id", "name", "date"]

    static func render(_ value: JSONValue) -> String {
        guard case let .object(object) = value else { return value.text() }
        var lines: [String] = []
        for key in object.keys.sorted() where key != "items" {
            lines.append("\(key): \(cell(object[key]!))")
        }
        if case let .array(items)? = object["items"] {
            let rows = items.map(flatten)
            var columns: [String] = []
            for row in rows { for key in row.keys where !columns.contains(key) { columns.append(key) } }
            columns.sort { a, b in
                let ia = leading.firstIndex(of: a) ?? leading.count, ib = leading.firstIndex(of: b) ?? leading.count
                return ia != ib ? ia < ib : a < b
            }
            let cells = rows.map { row in columns.map { row[$0] ?? "" } }
            let widths = columns.indices.map { c in min(48, ([columns[c].count] + cells.map { $0[c].count }).max()!) }
            func line(_ texts: [String]) -> String {
                texts.enumerated().map { c, text in
                    let clipped = text.count > widths[c] ? String(text.prefix(widths[c] - 1)) + "…" : text
                    return clipped.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }
            lines.append("")
            lines.append(line(columns))
            lines += cells.map(line)
        }
        return lines.joined(separator: "\n")
    }

    /// One list item as column → text: nested objects inlined one level.
    static func flatten(_ item: JSONValue) -> [String: String] {
        guard case let .object(fields) = item else { return ["value": cell(item)] }
        var row: [String: String] = [:]
        for (key, value) in fields {
            if case let .object(inner) = value {
                for (innerKey, innerValue) in inner where row[innerKey] == nil { row[innerKey] = cell(innerValue) }
            } else {
                row[key] = cell(value)
            }
        }
        return row
    }

    static func cell(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case let .string(text): return text
        case let .bool(flag): return String(flag)
        case let .int(n): return String(n)
        case let .double(d): return String((d * 10000).rounded() / 10000)
        case let .array(items):
            // Lists of named things (signals, drivers) read as their names.
            return items.map { item in
                for key in ["signal", "name", "feature"] { if case let .string(name)? = item[key] { return name } }
                return cell(item)
            }.joined(separator: ";")
        case .object: return value.text()
        case let .encoded(text): return cell(text.value)
        }
    }
}
